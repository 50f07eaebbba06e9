using System.Reflection;

namespace ClipGen.Build.Tests;

/// <summary>An ELF library the tests may copy, and the version need in it that the fix weakens.</summary>
public sealed record ElfSample(string Name, string Path, string Version)
{
    public byte[] Bytes => File.ReadAllBytes(Path);

    public override string ToString() => Name;
}

/// <summary>
/// The libraries the patch step is tested on: the real libLibTorchSharp.so 0.107 from the NuGet cache
/// (restored by this project's own PackageReference; copied, never edited) and the g++-built one.
/// </summary>
public static class ElfSamples
{
    public const string TorchSharpNeed = "GLIBCXX_3.4.32";

    /// <summary>libLibTorchSharp.so in the NuGet cache, or null when it is not there.</summary>
    public static string? RealLibTorchSharp { get; } = FindRealLibrary();

    public static ElfSample Compiled => new("g++ libneeds.so", TestElfLibrary.Instance.Path_, "GLIBCXX_3.4");

    /// <summary>Both libraries when the real one is present, else the compiled one alone.</summary>
    public static IEnumerable<ElfSample> All()
    {
        if (RealLibTorchSharp is not null)
        {
            yield return new ElfSample("libLibTorchSharp.so 0.107", RealLibTorchSharp, TorchSharpNeed);
        }

        yield return Compiled;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (ElfSample sample in All())
        {
            data.Add(sample.Name);
        }

        return data;
    }

    public static ElfSample ByName(string name) => All().Single(s => s.Name == name);

    private static string? FindRealLibrary()
    {
        const string relative = "runtimes/linux-x64/native/libLibTorchSharp.so";
        string? packageDir = typeof(ElfSamples).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchSharpPackageDir")?.Value;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string?[] candidates =
        {
            string.IsNullOrEmpty(packageDir) ? null : System.IO.Path.Combine(packageDir, relative),
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
                ? System.IO.Path.Combine(cache, "torchsharp/0.107.0", relative) : null,
            System.IO.Path.Combine(home, ".nuget/packages/torchsharp/0.107.0", relative),
        };
        return candidates.FirstOrDefault(c => c is not null && File.Exists(c));
    }
}
