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

// `token --sub alice …`: print a token for trying sign-in out, and exit; no server starts.
if (args is [TokenCommand.Name, ..])
{
    return TokenCommand.Run(args[1..], Console.Out, Console.Error);
}

try
{
    // The settings are read while building; the history file is created while the app is set up
    // and started.
    var app = ChatServer.CreateBuilder(args).Build();
    app.UseActorChat();
    await app.RunAsync();
    return 0;
}
catch (InvalidSettingsException invalid)
{
    // One line naming the setting, the value and the rule; a stack trace would only hide it.
    await Console.Error.WriteLineAsync(invalid.Message);
    return InvalidSettingsException.ExitCode;
}
