namespace ActorChat.Host;

/// <summary>Host log events of a cluster node (ids 1070–1089).</summary>
internal static partial class HostLog
{
    /// <summary>The address other nodes (and tests) use as a seed node; with port 0, the port actually bound.</summary>
    [LoggerMessage(1070, LogLevel.Information, "Cluster node {Address} started")]
    public static partial void ClusterNodeStarted(this ILogger logger, string address);

    [LoggerMessage(1081, LogLevel.Information, "Joining the cluster through {SeedNodes}")]
    public static partial void ClusterJoining(this ILogger logger, string seedNodes);

    [LoggerMessage(1071, LogLevel.Information, "Cluster node {Address} is Up")]
    public static partial void ClusterNodeUp(this ILogger logger, string address);

    [LoggerMessage(1072, LogLevel.Information, "Cluster member {Address} is Up")]
    public static partial void ClusterMemberUp(this ILogger logger, string address);

    [LoggerMessage(1073, LogLevel.Information, "Cluster member {Address} is leaving")]
    public static partial void ClusterMemberLeaving(this ILogger logger, string address);

    [LoggerMessage(1074, LogLevel.Information, "Cluster member {Address} removed (was {PreviousStatus})")]
    public static partial void ClusterMemberRemoved(this ILogger logger, string address, string previousStatus);

    [LoggerMessage(1075, LogLevel.Warning, "Cluster member {Address} is unreachable")]
    public static partial void ClusterMemberUnreachable(this ILogger logger, string address);

    [LoggerMessage(1076, LogLevel.Information, "Cluster member {Address} is reachable again")]
    public static partial void ClusterMemberReachable(this ILogger logger, string address);

    [LoggerMessage(1077, LogLevel.Information, "Leaving the cluster: handing this node's rooms over")]
    public static partial void ClusterLeaving(this ILogger logger);

    [LoggerMessage(1078, LogLevel.Information, "Left the cluster after {Elapsed}")]
    public static partial void ClusterLeft(this ILogger logger, TimeSpan elapsed);

    [LoggerMessage(1079, LogLevel.Warning, "Leaving the cluster did not finish within {Bound}; stopping anyway (the others down this node)")]
    public static partial void ClusterLeaveTimedOut(this ILogger logger, TimeSpan bound);

    [LoggerMessage(1082, LogLevel.Error, "Node {Address} tried to join, but this server's history is its own (ActorChat:History:Provider sqlite or memory): downed it; nodes of one cluster share a PostgreSQL history")]
    public static partial void ClusterMemberRefused(this ILogger logger, string address);
}
