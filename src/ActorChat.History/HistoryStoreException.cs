namespace ActorChat.History;

/// <summary>
/// The SQLite history cannot be used: its folder cannot be created, or the file cannot be opened
/// or written. <see cref="Exception.Message"/> names the file and says why, in one line.
/// </summary>
public sealed class HistoryStoreException : Exception
{
    public HistoryStoreException(string databasePath, string message, Exception innerException)
        : base(message.ReplaceLineEndings(" "), innerException)
    {
        DatabasePath = databasePath;
    }

    /// <summary>The database file's absolute path.</summary>
    public string DatabasePath { get; }
}
