using System.Reflection;

namespace ClipGen.Build.Tests;

/// <summary>The repository's ClipGen.targets (the file the package ships as buildTransitive/ClipGen.targets).</summary>
public static class ClipGenTargetsFile
{
    public static string Path { get; } = typeof(ClipGenTargetsFile).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ClipGenTargetsPath").Value!;
}
