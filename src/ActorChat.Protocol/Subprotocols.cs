namespace ActorChat.Protocol;

/// <summary>The WebSocket subprotocols the server speaks, and which one a client gets.</summary>
public static class Subprotocols
{
    /// <summary>Rooms, presence, durable history and resume (docs/PROTOCOL.md, <c>actorchat.v1</c>).</summary>
    public const string V1 = "actorchat.v1";

    /// <summary>The original protocol: one room, <c>lobby</c>.</summary>
    public const string Beej = global::ActorChat.Protocol.Beej.PacketTypes.SubProtocol;

    /// <summary>
    /// The subprotocol to select for a client that offered <paramref name="offered"/>, or null when it
    /// offered none the server speaks (the handshake is then refused). <c>actorchat.v1</c> wins whenever
    /// it is offered, wherever it is in the offer: a client that speaks both wants the richer one, and
    /// the order of a browser's offer says nothing about preference (RFC 6455 leaves the choice to the
    /// server).
    /// </summary>
    /// <param name="offered">
    /// The offered names as parsed tokens (ASP.NET Core's <c>WebSocketRequestedProtocols</c>); raw
    /// comma-separated header values are split too. Names compare exactly (case-sensitive), as RFC 6455
    /// requires.
    /// </param>
    public static string? Choose(IEnumerable<string> offered)
    {
        ArgumentNullException.ThrowIfNull(offered);
        var beej = false;
        foreach (var value in offered)
        {
            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token == V1)
                {
                    return V1;
                }

                beej |= token == Beej;
            }
        }

        return beej ? Beej : null;
    }
}
