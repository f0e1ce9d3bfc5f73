using ActorChat.Actors;
using ActorChat.Actors.Rooms;
using ActorChat.Protocol;
using Akka.Actor;

namespace ActorChat.History.Tests;

/// <summary>Roles, bans and mutes are the room's persisted state: they hold after the room stops and recovers from a real SQLite file.</summary>
public sealed class RoomGovernanceOnSqliteTests : IDisposable
{
    private static readonly RoomContract.JoinIdentity Owner = new("owner-id", Address: "10.0.0.1");
    private static readonly RoomContract.JoinIdentity Carol = new("carol-id", Address: "10.0.0.2");

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1000)]
    [InlineData(2)]
    public async Task A_ban_a_mute_and_the_owner_hold_after_the_room_recovers_from_its_journal_and_snapshot(int snapshotEvery)
    {
        var settings = new RoomSettings { SnapshotEvery = snapshotEvery };
        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = RoomOnStore.Room(host.System, settings: settings);
            var owner = Inbox.Create(host.System);
            var carol = Inbox.Create(host.System);
            var dave = Inbox.Create(host.System);
            Assert.Contains("\"role\":\"owner\"", await EnterAsync(room, owner, "1", "owner", Owner));
            await EnterAsync(room, carol, "2", "carol", Carol);
            await EnterAsync(room, dave, "3", "dave", new RoomContract.JoinIdentity("dave-id"));

            room.Tell(new RoomContract.Moderate("general", "1", ModerationAction.Mute, new TargetSpec("dave-id", null), null, "calm", "m1"), owner.Receiver);
            Assert.Contains("\"moderated\"", await FrameAsync(owner, "m1"));
            room.Tell(new RoomContract.Moderate("general", "1", ModerationAction.Ban, new TargetSpec(null, "carol"), null, "spam", "b1"), owner.Receiver);
            Assert.Contains("\"user\":\"carol-id\"", await FrameAsync(owner, "b1"));
            Assert.Equal("ban", Assert.IsType<RoomContract.Removed>(await ReceiveAsync<RoomContract.Removed>(carol)).Action);
            await HistoryHost.StopAsync(room);
        }

        await using (var host = await HistoryHost.StartAsync(_folder.Sqlite()))
        {
            var room = RoomOnStore.Room(host.System, settings: settings);

            // Carol comes back on a new session (and could have a new token): still banned.
            var carol = Inbox.Create(host.System);
            room.Tell(new RoomContract.Enter("general", "22", "carol", carol.Receiver, Subprotocols.V1, null, null, "j", Carol), carol.Receiver);
            var denied = await ReceiveAsync<RoomContract.Denied>(carol);
            Assert.Equal((ErrorCodes.Banned, "spam", true), (denied.Code, denied.Reason, denied.Join));

            var owner = Inbox.Create(host.System);
            Assert.Contains("\"role\":\"owner\"", await EnterAsync(room, owner, "11", "owner", Owner));
            var dave = Inbox.Create(host.System);
            Assert.Contains("\"mutedUntil\":null", await EnterAsync(room, dave, "33", "dave", new RoomContract.JoinIdentity("dave-id")));
            room.Tell(new RoomContract.Post("general", "33", "hello", null, "p"), dave.Receiver);
            Assert.Equal(ErrorCodes.Muted, (await ReceiveAsync<RoomContract.Denied>(dave)).Code);
        }
    }

    private static async Task<string> EnterAsync(IActorRef room, Inbox member, string session, string name, RoomContract.JoinIdentity identity)
    {
        room.Tell(new RoomContract.Enter("general", session, name, member.Receiver, Subprotocols.V1, null, null, "j" + session, identity), member.Receiver);
        var entered = await ReceiveAsync<RoomContract.Entered>(member);
        return System.Text.Encoding.UTF8.GetString(entered.Frames[^1].Span);
    }

    /// <summary>The next frame with <paramref name="requestRef"/>, skipping what came before it.</summary>
    private static async Task<string> FrameAsync(Inbox member, string requestRef)
    {
        while (true)
        {
            var deliver = await ReceiveAsync<ConnectionActor.Deliver>(member);
            foreach (var frame in deliver.Frames)
            {
                var json = System.Text.Encoding.UTF8.GetString(frame.Span);
                if (json.Contains($"\"ref\":\"{requestRef}\"", StringComparison.Ordinal))
                {
                    return json;
                }
            }
        }
    }

    private static async Task<T> ReceiveAsync<T>(Inbox member)
    {
        while (true)
        {
            if (await member.ReceiveAsync(HistoryHost.Timeout) is T wanted)
            {
                return wanted;
            }
        }
    }
}
