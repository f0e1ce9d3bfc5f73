using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorChat.Host.Tests;

/// <summary>One captured log entry: event id, formatted message, structured values and the scopes around it.</summary>
internal sealed record LogEntry(int EventId, string Message, IReadOnlyDictionary<string, object?> State, IReadOnlyList<string> Scopes);

/// <summary>Captures every log entry of a server, for tests that check what it logs.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            var scopes = new List<string>();
            provider._scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
            provider.Entries.Enqueue(new LogEntry(eventId.Id, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value), scopes));
        }
    }
}
