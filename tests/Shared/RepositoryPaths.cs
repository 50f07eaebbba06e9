using System.Reflection;

namespace ClipGen.Testing;

/// <summary>Where the repository and its build outputs are, as recorded when this test assembly was built.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Metadata("ClipGenRepoRoot");

    /// <summary>The configuration this test assembly (and so the runtime project it references) was built in.</summary>
    public static string Configuration { get; } = Metadata("ClipGenConfiguration");

    public static string RuntimeProject { get; } =
        Path.Combine(Root, "src", "ClipGen.TorchSharp", "ClipGen.TorchSharp.csproj");

    private static string Metadata(string key) =>
        typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"AssemblyMetadata '{key}' is missing: see tests/Shared/Shared.props.");
}
