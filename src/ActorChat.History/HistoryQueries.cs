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

        // Made on first use, not at start: Akka.Persistence.Sql's read journal waits (blocking, 5 s)
        // for the write journal to be initialized when it is made, and a node starting on a busy
        // machine or database (three nodes at once on two cores) can take longer than that; made at
        // start, the node would fail to start. Made off the caller's thread (the sweeper is an
        // actor), and made again on the next sweep if it failed (no exception is cached).
        var journal = new Lazy<SqlReadJournal>(
            () => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(ChatHistory.SqlQueryJournalId),
            LazyThreadSafetyMode.PublicationOnly);
        var materializer = system.Materializer();
        return async ct =>
        {
            var query = journal.IsValueCreated ? journal.Value : await Task.Run(() => journal.Value, ct).ConfigureAwait(false);
            var ids = await query.CurrentPersistenceIds()
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
