namespace ActorChat.Actors.Rooms;

/// <summary>
/// A list that grows at the end and shrinks at the front in amortized O(1), with indexing: the shape
/// of a room's history (offsets only grow; retention and the tail bound drop the oldest).
/// </summary>
internal sealed class Window<T>
{
    // Dropping from the front only advances _head; the dead slots are compacted away once they are
    // the larger part of the list, so each item is moved at most a constant number of times.
    private readonly List<T> _items = [];
    private int _head;

    public int Count => _items.Count - _head;

    public T this[int index] => (uint)index < (uint)Count ? _items[_head + index] : throw new ArgumentOutOfRangeException(nameof(index));

    public T First => this[0];

    /// <summary>Replaces the item at <paramref name="index"/> (a deleted message's entry and its tombstone).</summary>
    public void Set(int index, T item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        _items[_head + index] = item;
    }

    public void Add(T item) => _items.Add(item);

    public T RemoveFirst()
    {
        var item = First;
        _items[_head++] = default!;
        if (_head == _items.Count)
        {
            _items.Clear();
            _head = 0;
        }
        else if (_head >= 64 && _head * 2 >= _items.Count)
        {
            _items.RemoveRange(0, _head);
            _head = 0;
        }

        return item;
    }

    public void Clear()
    {
        _items.Clear();
        _head = 0;
    }

    public T[] Copy(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index + count, Count);
        var copy = new T[count];
        _items.CopyTo(_head + index, copy, 0, count);
        return copy;
    }

    public T[] ToArray() => Copy(0, Count);
}
