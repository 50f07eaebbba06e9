using System.Diagnostics;
using System.Reflection;

namespace ClipGen.Build.Tests;

/// <summary>
/// ClipGen.targets run by the real MSBuild (one `dotnet msbuild` process, the inline task compiled by
/// RoslynCodeTaskFactory from the shipped source) on a tiny project whose "copy to output" step is a
/// no-op and whose output folders already hold libLibTorchSharp.so copies.
/// </summary>
public class MSBuildTargetsTests
{
    private const string Need = ElfSamples.TorchSharpNeed;

    [Fact]
    public void The_targets_patch_with_always_and_auto_and_respect_the_opt_out_and_a_libstdcxx_that_has_the_version()
    {
        Assert.NotNull(ElfSamples.RealLibTorchSharp);
        using var folder = new TempFolder();
        string root = folder.Path;
        string targets = typeof(MSBuildTargetsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ClipGenTargetsPath").Value!;

        // A libstdc++ stand-in that defines GLIBCXX_3.4.32, and one (the g++ test library) that defines nothing.
        string map = Path.Combine(root, "v.map");
        File.WriteAllText(map, Need + " { global: *; };\n");
        string source = Path.Combine(root, "v.cpp");
        File.WriteAllText(source, "int clipgen_v() { return 1; }\n");
        string hasVersion = Path.Combine(root, "libstdc++-new.so");
        TestElfLibrary.Run("g++", $"-shared -fPIC -Wl,--version-script={map} -o {hasVersion} {source}");

        var cases = new (string Name, string Properties, bool Patched)[]
        {
            ("always", "ClipGenPatchLibTorchSharp=always", true),
            ("optout", "ClipGenPatchLibTorchSharp=false", false),
            ("autonew", $"ClipGenLibStdCxxPath={hasVersion}", false),
            ("autoold", $"ClipGenLibStdCxxPath={TestElfLibrary.Instance.Path_}", true),
        };
        foreach (var c in cases)
        {
            Directory.CreateDirectory(Path.Combine(root, c.Name, "runtimes/linux-x64/native"));
            File.Copy(ElfSamples.RealLibTorchSharp!, Path.Combine(root, c.Name, "libLibTorchSharp.so"));
        }

        // A damaged copy beside a good one: a warning, the build goes on, the file stays as it was.
        string damaged = Path.Combine(root, "always/runtimes/linux-x64/native/libLibTorchSharp.so");
        File.WriteAllText(damaged, "damaged");

        File.WriteAllText(Path.Combine(root, "inner.proj"), $"""
            <Project>
              <Import Project="{targets}" />
              <Target Name="CopyFilesToOutputDirectory" />
              <Target Name="Build" DependsOnTargets="CopyFilesToOutputDirectory" />
            </Project>
            """);
        string calls = string.Join(Environment.NewLine, cases.Select(c =>
            $"""    <MSBuild Projects="inner.proj" Targets="Build" Properties="OutDir={root}/{c.Name}/;{c.Properties};Case={c.Name}" />"""));
        File.WriteAllText(Path.Combine(root, "driver.proj"), $"""
            <Project>
              <Target Name="Build">
            {calls}
              </Target>
            </Project>
            """);

        (int exit, string log) = RunMSBuild(root, "driver.proj");

        Assert.True(exit == 0, log);
        foreach (var c in cases)
        {
            string expected = c.Patched ? "WEAK" : "none";
            Assert.True(expected == TestElfLibrary.ReadElfFlags(Path.Combine(root, c.Name, "libLibTorchSharp.so"), Need), $"{c.Name}: expected {expected}\n{log}");
        }

        Assert.Equal("damaged", File.ReadAllText(damaged));
        // MSBuild repeats warnings in its summary: one distinct warning, about the damaged file only.
        string warning = Assert.Single(log.Split('\n').Where(l => l.Contains("warning CLIPGEN", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct());
        Assert.Contains("warning CLIPGEN001", warning);
        Assert.Contains(damaged, warning);
        Assert.Contains("not an ELF file", warning);
    }

    private static (int Exit, string Log) RunMSBuild(string folder, string project)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "msbuild", project, "-nologo", "-nodeReuse:false", "-maxCpuCount:1", "-verbosity:normal" })
        {
            info.ArgumentList.Add(arg);
        }

        // The test host runs under `dotnet test`; its MSBuild variables would point the child elsewhere.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
