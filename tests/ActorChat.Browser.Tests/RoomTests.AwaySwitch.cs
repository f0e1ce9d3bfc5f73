using Microsoft.Playwright;

namespace ActorChat.Browser.Tests;

/// <summary>The page's network switch the room tests use to take a page away and back.</summary>
public sealed partial class RoomTests
{
    /// <summary>
    /// Routes a page's WebSocket to the server, or, while held, nowhere: a held socket opens and
    /// hears nothing, as behind a dead network, until released with close 1012.
    /// </summary>
    private sealed class AwaySwitch
    {
        private readonly Lock _gate = new();
        private readonly List<IWebSocketRoute> _held = [];
        private bool _holding;

        public void Route(IWebSocketRoute ws)
        {
            lock (_gate)
            {
                if (_holding)
                {
                    _held.Add(ws);
                    return;
                }
            }

            ws.ConnectToServer();
        }

        public void Hold()
        {
            lock (_gate)
            {
                _holding = true;
            }
        }

        public async Task ReleaseAsync()
        {
            IWebSocketRoute[] held;
            lock (_gate)
            {
                _holding = false;
                held = [.. _held];
                _held.Clear();
            }

            foreach (var ws in held)
            {
                await ws.CloseAsync(new() { Code = 1012, Reason = "test: back online" });
            }
        }
    }
}
