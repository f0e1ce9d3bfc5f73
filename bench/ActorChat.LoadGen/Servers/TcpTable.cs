using System.Globalization;
using System.Net;

namespace ActorChat.LoadGen.Servers;

/// <summary>Looks up a TCP connection's state in /proc/net/tcp (IPv4) as the kernel sees it.</summary>
internal static class TcpTable
{
    public const int Established = 1;

    /// <summary>
    /// The state of the socket whose local end is <paramref name="local"/> and remote end
    /// <paramref name="remote"/> (e.g. the server's side of one client connection), or null when
    /// no such socket exists any more.
    /// </summary>
    public static int? State(IPEndPoint local, IPEndPoint remote)
    {
        var wantLocal = Format(local);
        var wantRemote = Format(remote);
        foreach (var line in File.ReadLines("/proc/net/tcp"))
        {
            if (!line.Contains(wantRemote, StringComparison.Ordinal))
            {
                continue; // the table may hold tens of thousands of TIME_WAIT entries: split only candidates
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3 && fields[1] == wantLocal && fields[2] == wantRemote)
            {
                return int.Parse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static string Format(IPEndPoint endPoint)
    {
        var bytes = endPoint.Address.MapToIPv4().GetAddressBytes();
        var address = BitConverter.ToUInt32(bytes); // /proc prints the address in host (little-endian) order
        return string.Create(CultureInfo.InvariantCulture, $"{address:X8}:{endPoint.Port:X4}");
    }
}
