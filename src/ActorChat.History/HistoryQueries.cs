using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorChat.History;

/// <summary>Reads over the whole store, through Akka.Persistence.Query's read journal.</summary>
public static class HistoryQueries
{
    /// <summary>
    /// Lists every persistence id in the store (<c>CurrentPersistenceIds</c>, which
    /// Akka.Persistence.Sql's read journal serves for SQLite and PostgreSQL alike), for the rooms'
    /// retention sweep. Null for <c>memory</c>: Akka's in-memory journal has no read journal here,
    /// and its rooms' history is gone when the server stops anyway.
    /// </summary>
    public static Func<CancellationToken, Task<IReadOnlyList<string>>>? PersistenceIds(ActorSystem system, HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsMemory)
        {
            return null;
        }

        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(ChatHistory.SqlQueryJournalId);
        var materializer = system.Materializer();
        return async ct =>
        {
            var ids = await journal.CurrentPersistenceIds()
                .RunAggregate(new List<string>(), (list, id) =>
                {
                    list.Add(id);
                    return list;
                }, materializer)
                .WaitAsync(ct)
                .ConfigureAwait(false);
            return ids;
        };
    }
}
