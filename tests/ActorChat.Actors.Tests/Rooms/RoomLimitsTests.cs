using System.ComponentModel.DataAnnotations;
using ActorChat.Actors.Rooms;

namespace ActorChat.Actors.Tests.Rooms;

public sealed class RoomLimitsTests
{
    private static List<ValidationResult> Validate(RoomLimits limits)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_are_the_contracts()
    {
        var limits = new RoomLimits();

        Assert.Equal(1000, limits.RecoveryLimit);
        Assert.Equal(10_000, limits.MaxMessagesPerRoom);
        Assert.Equal(TimeSpan.FromDays(30), limits.MaxAge);
        Assert.Equal(1000, limits.MaxPresenceList);
        Assert.Equal(TimeSpan.FromMilliseconds(250), limits.PresenceInterval);
        Assert.Equal(50, limits.DefaultHistoryLimit);
        Assert.Equal(100, limits.MaxHistoryLimit);
        Assert.True(limits.TailMessages >= limits.RecoveryLimit, "every recovery the contract allows fits in the tail by count");
        Assert.Empty(Validate(limits));
    }

    [Fact]
    public void Out_of_range_values_and_a_default_above_the_maximum_are_invalid()
    {
        Assert.Contains(Validate(new RoomLimits { MaxMessagesPerRoom = 0 }), r => r.MemberNames.Contains(nameof(RoomLimits.MaxMessagesPerRoom)));
        Assert.Contains(Validate(new RoomLimits { MaxAge = TimeSpan.Zero }), r => r.MemberNames.Contains(nameof(RoomLimits.MaxAge)));
        Assert.Contains(Validate(new RoomLimits { TailBytes = -1 }), r => r.MemberNames.Contains(nameof(RoomLimits.TailBytes)));
        Assert.Contains(Validate(new RoomLimits { DefaultHistoryLimit = 101 }), r => r.MemberNames.Contains(nameof(RoomLimits.DefaultHistoryLimit)));
    }

    [Fact]
    public void A_room_refuses_limits_it_cannot_work_with()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoomState("room", new RoomLimits { MaxMessagesPerRoom = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoomState("room", new RoomLimits { MaxAge = TimeSpan.Zero }));
    }
}
