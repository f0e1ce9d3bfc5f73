namespace ActorChat.History.Tests;

/// <summary>A real room (<see cref="Actors.Rooms.RoomEntity"/>) persisting to a real SQLite file through the server's history wiring.</summary>
public sealed class RoomOnSqliteTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public Task A_rooms_history_epoch_and_offsets_survive_a_new_actor_system_on_the_same_file() =>
        RoomOnStore.HistoryEpochAndOffsetsSurviveANewActorSystemAsync(_folder.Sqlite());
}
