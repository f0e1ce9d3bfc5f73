using ActorChat.Actors.Protocol;
using ActorChat.Host;

// Names are compared with the platform's ICU: without it every join would fail, so refuse to start.
try
{
    NameKey.EnsureAvailable();
}
catch (InvalidOperationException missing)
{
    await Console.Error.WriteLineAsync(missing.Message);
    return 3;
}

WebApplication app;
try
{
    app = ChatServer.CreateBuilder(args).Build();
}
catch (InvalidSettingsException invalid)
{
    // One line naming the setting, the value and the rule; a stack trace would only hide it.
    await Console.Error.WriteLineAsync(invalid.Message);
    return InvalidSettingsException.ExitCode;
}

app.UseActorChat();
await app.RunAsync();
return 0;
