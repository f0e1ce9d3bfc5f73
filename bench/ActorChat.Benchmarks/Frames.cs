using System.Text;

namespace ActorChat.Benchmarks;

/// <summary>Client frames as the load generator sends them (a 100-character message, a 160-byte frame).</summary>
internal static class Frames
{
    public static readonly string MessageText = "0:123456:98765432109876:" + new string('x', 76);

    public static readonly byte[] Message = Encoding.UTF8.GetBytes(
        $"{{\"type\":\"chat-message\",\"payload\":{{\"username\":\"s0\",\"message\":\"{MessageText}\"}}}}");

    public static readonly byte[] Join = Encoding.UTF8.GetBytes("{\"type\":\"chat-join\",\"payload\":{\"username\":\"s0\"}}");

    public static readonly byte[] InvalidJson = Encoding.UTF8.GetBytes("{\"type\":\"chat-message\",\"payload\":{\"username\":\"s0\",\"message\":");
}
