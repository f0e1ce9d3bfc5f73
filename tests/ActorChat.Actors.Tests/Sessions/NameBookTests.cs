using ActorChat.Actors.Protocol;
using ActorChat.Actors.Sessions;

namespace ActorChat.Actors.Tests.Sessions;

public sealed class NameBookTests
{
    private static (string Name, NameKey Key) Name(string raw)
    {
        Assert.True(ChatRules.TryValidateName(raw, 32, out var name, out var key, out var error), error);
        return (name, key);
    }

    [Fact]
    public void A_name_is_held_by_one_owner_and_a_lookalike_by_no_other()
    {
        var book = new NameBook<int>();
        var (alice, aliceKey) = Name("alice");
        Assert.True(book.TryClaim(1, alice, aliceKey, out _));

        var (fullwidth, fullwidthKey) = Name("ａｌｉｃｅ");
        Assert.False(book.TryClaim(2, fullwidth, fullwidthKey, out var heldBy));
        Assert.Equal("alice", heldBy);

        var (capitalI, capitalIKey) = Name("aIice");
        Assert.False(book.TryClaim(2, capitalI, capitalIKey, out heldBy));
        Assert.Equal("alice", heldBy);
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void An_owner_may_switch_between_spellings_of_its_name_and_a_new_claim_frees_the_old_name()
    {
        var book = new NameBook<int>();
        var (alice, aliceKey) = Name("alice");
        var (upper, upperKey) = Name("ALICE");
        var (bob, bobKey) = Name("bob");
        Assert.True(book.TryClaim(1, alice, aliceKey, out _));
        Assert.True(book.TryClaim(1, upper, upperKey, out _));
        Assert.True(book.TryGetName(1, out var shown));
        Assert.Equal("ALICE", shown);

        Assert.True(book.TryClaim(1, bob, bobKey, out _));
        Assert.True(book.TryClaim(2, alice, aliceKey, out _));
        Assert.Equal(["bob", "alice"], book.Names.ToArray());
    }

    [Fact]
    public void A_released_name_can_be_claimed_by_another()
    {
        var book = new NameBook<int>();
        var (alice, aliceKey) = Name("alice");
        Assert.True(book.TryClaim(1, alice, aliceKey, out _));
        Assert.True(book.Release(1, out var released));
        Assert.Equal("alice", released);
        Assert.False(book.Release(1, out _));
        Assert.True(book.TryClaim(2, alice, aliceKey, out _));
    }
}
