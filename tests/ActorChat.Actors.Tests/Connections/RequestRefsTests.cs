using ActorChat.Actors.Connections;

namespace ActorChat.Actors.Tests.Connections;

/// <summary>Requests in flight matched to their answers by number, in any order.</summary>
public sealed class RequestRefsTests
{
    [Fact]
    public void Answers_in_any_order_get_the_ref_of_their_own_request()
    {
        var refs = new RequestRefs();
        var first = refs.Add("r1");
        var second = refs.Add("r2");
        var third = refs.Add(null);

        Assert.Equal([1L, 2, 3], [first, second, third]);
        Assert.Equal("r2", refs.Take(second));
        Assert.Null(refs.Take(third));
        Assert.Equal("r1", refs.Take(first));
        Assert.Equal(0, refs.Count);
    }

    [Fact]
    public void An_answer_not_in_flight_has_no_ref_and_numbers_are_never_reused()
    {
        var refs = new RequestRefs();
        var first = refs.Add("r1");

        Assert.Null(refs.Take(0));
        Assert.Equal("r1", refs.Take(first));
        Assert.Null(refs.Take(first));
        Assert.Equal(2, refs.Add("r2"));
    }
}
