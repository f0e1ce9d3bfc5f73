using ActorChat.Host;

var app = ChatServer.CreateBuilder(args).Build();
app.UseActorChat();
await app.RunAsync();
