using ActorChat.Protocol.Beej;
using BenchmarkDotNet.Attributes;

namespace ActorChat.Benchmarks;

/// <summary>The codec's hot paths: decoding a client frame, encoding a broadcast once.</summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private readonly byte[] _message = Frames.Message;
    private readonly byte[] _join = Frames.Join;
    private readonly byte[] _invalid = Frames.InvalidJson;
    private readonly string _text = Frames.MessageText;

    [Benchmark]
    public ClientPacket? DecodeMessage() => ChatProtocol.Decode(_message).Packet;

    [Benchmark]
    public ClientPacket? DecodeJoin() => ChatProtocol.Decode(_join).Packet;

    [Benchmark]
    public DecodeError? DecodeInvalidJson() => ChatProtocol.Decode(_invalid).Error;

    [Benchmark]
    public byte[] EncodeMessage() => ChatProtocol.EncodeMessage("s0", _text);
}
