namespace ActorChat.Actors.Sessions;

/// <summary>
/// A message for one session, by its id: what a connection sends once welcomed, and what the
/// cluster's session entities are addressed with (<see cref="SessionSharding"/> routes by it).
/// </summary>
public interface ISessionMessage
{
    string SessionId { get; }
}
