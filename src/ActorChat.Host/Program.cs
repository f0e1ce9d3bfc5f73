using ActorChat.Host;

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
