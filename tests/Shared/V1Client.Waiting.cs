using System.Text.Json;

namespace ActorChat.Tests;

/// <summary><see cref="V1Client"/>: waiting for replies and events among the frames received.</summary>
public sealed partial class V1Client
{
    // ---- Waiting for frames ----

    /// <summary>The reply to <paramref name="requestRef"/> (the first frame carrying it).</summary>
    public Task<JsonElement> ReplyAsync(string requestRef, TimeSpan? timeout = null) =>
        NextAsync(f => f.Ref() == requestRef, $"the reply to ref {requestRef}", timeout);

    /// <summary>
    /// The reply to <paramref name="requestRef"/>, or null when none came within
    /// <paramref name="timeout"/> or the connection ended first: for a client that retries (with the
    /// same <c>cid</c>) rather than fails.
    /// </summary>
    public async Task<JsonElement?> TryReplyAsync(string requestRef, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                // From the newest: a reply is among the last frames.
                for (var i = _received.Count - 1; i >= 0; i--)
                {
                    if (_received[i].Ref() == requestRef)
                    {
                        return _received[i];
                    }
                }

                if (_ended.Task.IsCompleted)
                {
                    return null;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Looked at once more above, then given up.
            }
        }
    }

    /// <summary>
    /// The first frame, in arrival order, that matches and was not taken by an earlier call: it is
    /// taken now. Fails when the connection ends first or nothing matches within the timeout.
    /// </summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null)
    {
        JsonElement found = default;
        await WaitAsync(
            frames =>
            {
                for (var i = 0; i < frames.Count; i++)
                {
                    if (!_taken.Contains(i) && match(frames[i]))
                    {
                        _taken.Add(i);
                        found = frames[i];
                        return true;
                    }
                }

                return false;
            },
            what,
            timeout);
        return found;
    }

    /// <summary>The next event (a frame with no ref) of <paramref name="type"/> matching <paramref name="match"/>, taken.</summary>
    public Task<JsonElement> NextEventAsync(string type, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null) =>
        NextAsync(f => f.Ref() is null && f.Type() == type && (match?.Invoke(f) ?? true), $"a {type} event", timeout);

    /// <summary>Waits until <paramref name="condition"/> holds over every frame received so far (it runs under the client's lock).</summary>
    public async Task WaitAsync(Func<IReadOnlyList<JsonElement>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTime.Timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_received))
                {
                    return;
                }

                if (_ended.Task.IsCompleted)
                {
                    Assert.Fail($"{Label}: the connection ended ({EndText()}) while waiting for {what}. Received:\n{HistoryText()}");
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"{Label}: timed out waiting for {what}. Received:\n{HistoryText()}");
            }

            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more above, then failed.
            }
        }
    }

    /// <summary>Every <c>message</c> event of <paramref name="room"/> received so far, in order.</summary>
    public List<JsonElement> Messages(string room)
    {
        lock (_gate)
        {
            return [.. _received.Where(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room).Select(f => f.Payload())];
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> <c>message</c> events of <paramref name="room"/> arrived; returns them all.</summary>
    public async Task<List<JsonElement>> WaitForMessagesAsync(string room, int count, TimeSpan? timeout = null)
    {
        await WaitAsync(
            frames => frames.Count(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room) >= count,
            $"{count} messages in {room}",
            timeout);
        return Messages(room);
    }

    /// <summary>Waits until a <c>message</c> event of <paramref name="room"/> matching <paramref name="match"/> (a payload) arrived.</summary>
    public Task WaitForMessageAsync(string room, Func<JsonElement, bool> match, string what, TimeSpan? timeout = null) =>
        WaitAsync(
            frames => frames.Any(f => f.Type() == "message" && f.Ref() is null && f.Payload().Str("room") == room && match(f.Payload())),
            what,
            timeout);

    /// <summary>Every <c>presence</c> event of <paramref name="room"/> received so far, in order (payloads).</summary>
    public List<JsonElement> Presence(string room)
    {
        lock (_gate)
        {
            return [.. _received.Where(f => f.Type() == "presence" && f.Ref() is null && f.Payload().Str("room") == room).Select(f => f.Payload())];
        }
    }

    /// <summary>
    /// The members of <paramref name="room"/> as this client must see them: the last <c>joined</c> of
    /// the room, then every <c>presence</c> diff after it applied as leaves, renames, joins.
    /// </summary>
    public HashSet<string> Members(string room)
    {
        lock (_gate)
        {
            return MembersOf(_received, room);
        }
    }

    /// <summary>Waits until <see cref="Members"/> of <paramref name="room"/> is exactly <paramref name="names"/>.</summary>
    public Task WaitForMembersAsync(string room, params string[] names) => WaitForMembersAsync(TestTime.Timeout, room, names);

    /// <summary>Waits up to <paramref name="timeout"/> until <see cref="Members"/> of <paramref name="room"/> is exactly <paramref name="names"/>.</summary>
    public Task WaitForMembersAsync(TimeSpan timeout, string room, params string[] names) =>
        WaitAsync(frames => MembersOf(frames, room).SetEquals(names), $"members of {room} = [{string.Join(", ", names)}]", timeout);

    private static HashSet<string> MembersOf(IReadOnlyList<JsonElement> frames, string room)
    {
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            var payload = frame.Payload();
            if (payload.Str("room") != room)
            {
                continue;
            }

            if (frame.Type() == "left")
            {
                members.Clear();
            }
            else if (frame.Type() == "joined")
            {
                members = [.. payload.GetProperty("members").EnumerateArray().Select(m => m.GetString()!)];
            }
            else if (frame.Type() == "presence")
            {
                foreach (var leave in payload.GetProperty("leaves").EnumerateArray())
                {
                    members.Remove(leave.GetString()!);
                }

                if (payload.TryGetProperty("renames", out var renames))
                {
                    foreach (var rename in renames.EnumerateArray())
                    {
                        members.Remove(rename.Str("from")!);
                        members.Add(rename.Str("to")!);
                    }
                }

                foreach (var join in payload.GetProperty("joins").EnumerateArray())
                {
                    members.Add(join.GetString()!);
                }
            }
        }

        return members;
    }
}
