namespace ClipGen.Testing;

/// <summary>
/// The ClipGen package packed from this repository's build output into a fresh folder (a local feed).
/// </summary>
/// <remarks>
/// Packs with <c>--no-build --no-restore</c>: the test project references the runtime project, so it is
/// already built in this configuration, and nothing in <c>obj/</c> is rewritten while other test
/// assemblies run (the nuspec goes to the temporary folder too).
/// </remarks>
public sealed class PackedPackage : IDisposable
{
    private PackedPackage(string feed, string version, CommandResult pack)
    {
        Feed = feed;
        Version = version;
        Pack = pack;
    }

    /// <summary>The folder holding the .nupkg and .snupkg: usable as a NuGet source.</summary>
    public string Feed { get; }

    public string Version { get; }

    public CommandResult Pack { get; }

    public string PackagePath => Path.Combine(Feed, $"ClipGen.{Version}.nupkg");

    public string SymbolPackagePath => Path.Combine(Feed, $"ClipGen.{Version}.snupkg");

    /// <summary>Packs into a new temporary folder; <paramref name="version"/> null keeps the project's version.</summary>
    public static PackedPackage Create(string? version = null)
    {
        string feed = Directory.CreateTempSubdirectory("clipgen-feed-").FullName;
        var arguments = new List<string>
        {
            "pack", RepositoryPaths.RuntimeProject,
            "-c", RepositoryPaths.Configuration,
            "--no-build", "--no-restore",
            "-o", feed,
            $"-p:NuspecOutputPath={Path.Combine(feed, "nuspec")}/",
        };
        if (version is not null)
        {
            arguments.Add($"-p:PackageVersion={version}");
        }

        CommandResult pack = DotNetCli.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(3), arguments.ToArray());
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet pack failed: " + pack);
        }

        string packed = Directory.GetFiles(feed, "ClipGen.*.nupkg").Single();
        string packedVersion = Path.GetFileNameWithoutExtension(packed)["ClipGen.".Length..];
        return new PackedPackage(feed, packedVersion, pack);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Feed, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temporary folder is harmless
        }
    }
}
