using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Serialization;

/// <summary>The layouts of the server API's room calls: a post made by the API, and the presence list it reads.</summary>
public sealed partial class RoomMessagesSerializer
{
    /// <summary><see cref="RoomContract.ApiPost"/>: room, sender id, from, text, cid?, replyTo?.</summary>
    internal const string ApiPostManifest = "aps1";

    /// <summary><see cref="RoomContract.GetPresence"/>: room.</summary>
    internal const string GetPresenceManifest = "gpr1";

    /// <summary><see cref="RoomContract.PresenceList"/>: room, member count, then each name and its connections.</summary>
    internal const string PresenceListManifest = "prl1";

    private static string? ApiManifest(object o) => o switch
    {
        RoomContract.ApiPost => ApiPostManifest,
        RoomContract.GetPresence => GetPresenceManifest,
        RoomContract.PresenceList => PresenceListManifest,
        _ => null,
    };

    private static bool WriteApi(WireWriter writer, object obj)
    {
        switch (obj)
        {
            case RoomContract.ApiPost apiPost:
                writer.Text(apiPost.Room);
                writer.Text(apiPost.SenderId);
                writer.Text(apiPost.From);
                writer.Text(apiPost.Text);
                writer.OptionalString(apiPost.Cid);
                writer.OptionalFixed64(apiPost.ReplyTo);
                return true;
            case RoomContract.GetPresence presence:
                writer.Text(presence.Room);
                return true;
            case RoomContract.PresenceList list:
                writer.Text(list.Room);
                writer.Fixed32(list.MemberCount);
                writer.Count(list.Members.Count);
                foreach (var member in list.Members)
                {
                    writer.Text(member.Name);
                    writer.Fixed32(member.Connections);
                    writer.OptionalString(member.User);
                }

                return true;
            default:
                return false;
        }
    }

    private static object? ReadApi(string manifest, ref WireReader reader) => manifest switch
    {
        ApiPostManifest => new RoomContract.ApiPost(reader.Text(), reader.Text(), reader.Text(), reader.Text(), reader.OptionalString(), reader.OptionalFixed64()),
        GetPresenceManifest => new RoomContract.GetPresence(reader.Text()),
        PresenceListManifest => ReadPresenceList(ref reader),
        _ => null,
    };

    private static RoomContract.PresenceList ReadPresenceList(ref WireReader reader)
    {
        var room = reader.Text();
        var count = reader.Fixed32();
        var members = new RoomContract.PresentMember[reader.Count()];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = new RoomContract.PresentMember(reader.Text(), reader.Fixed32(), reader.OptionalString());
        }

        return new RoomContract.PresenceList(room, count, members);
    }
}
