namespace ActorChat.History;

/// <summary>
/// The history store cannot be used: the SQLite file's folder cannot be created, or the file
/// cannot be opened or written; or the PostgreSQL server cannot be connected to (unreachable, the
/// login refused, no such database) or is too old. <see cref="Exception.Message"/> names the file
/// or the server and says why, in one line, without a password.
/// </summary>
public sealed class HistoryStoreException : Exception
{
    public HistoryStoreException(string databasePath, string message, Exception? innerException)
        : base(message.ReplaceLineEndings(" "), innerException)
    {
        DatabasePath = databasePath;
    }

    /// <summary>The SQLite file's absolute path, or for PostgreSQL <c>host:port/database</c>.</summary>
    public string DatabasePath { get; }
}
