namespace ClipGen.Build.Tests;

/// <summary>
/// ClipGen.targets run by the real MSBuild (one `dotnet msbuild` process, the inline task compiled by
/// RoslynCodeTaskFactory from the shipped source) on a tiny project that stands in for the SDK: its
/// "resolve" step lists libLibTorchSharp.so copies as copy-local items, and its "copy to output" step copies
/// them the way the SDK does. The targets must point those items at fixed copies under obj/.
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
        string targets = ClipGenTargetsFile.Path;

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
            Directory.CreateDirectory(Path.Combine(root, "packages", c.Name, "runtimes/linux-x64/native"));
            File.Copy(ElfSamples.RealLibTorchSharp!, Path.Combine(root, "packages", c.Name, "libLibTorchSharp.so"));
            File.Copy(ElfSamples.RealLibTorchSharp!, Path.Combine(root, "packages", c.Name, "runtimes/linux-x64/native/libLibTorchSharp.so"));
        }

        // A damaged package file beside a good one: a warning, the build goes on, the file is used as it is.
        string damaged = Path.Combine(root, "packages/always/runtimes/linux-x64/native/libLibTorchSharp.so");
        File.WriteAllText(damaged, "damaged");

        File.WriteAllText(Path.Combine(root, "inner.proj"), $"""
            <Project>
              <PropertyGroup>
                <IntermediateOutputPath>obj/$(Case)/</IntermediateOutputPath>
              </PropertyGroup>
              <Import Project="{targets}" />
              <Target Name="ResolveLockFileCopyLocalFiles">
                <ItemGroup>
                  <ReferenceCopyLocalPaths Include="$(Packages)libLibTorchSharp.so" DestinationSubDirectory="" />
                  <ReferenceCopyLocalPaths Include="$(Packages)runtimes/linux-x64/native/libLibTorchSharp.so" DestinationSubDirectory="runtimes/linux-x64/native/" />
                </ItemGroup>
              </Target>
              <Target Name="CopyFilesToOutputDirectory">
                <Copy SourceFiles="@(ReferenceCopyLocalPaths)" SkipUnchangedFiles="true"
                      DestinationFiles="@(ReferenceCopyLocalPaths->'$(OutDir)%(DestinationSubDirectory)%(Filename)%(Extension)')" />
              </Target>
              <Target Name="Build" DependsOnTargets="ResolveLockFileCopyLocalFiles;CopyFilesToOutputDirectory" />
            </Project>
            """);
        string calls = string.Join(Environment.NewLine, cases.Select(c =>
            $"""    <MSBuild Projects="inner.proj" Targets="Build" Properties="OutDir={root}/{c.Name}/;Packages={root}/packages/{c.Name}/;{c.Properties};Case={c.Name}" />"""));
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
            Assert.Equal("none", TestElfLibrary.ReadElfFlags(Path.Combine(root, "packages", c.Name, "libLibTorchSharp.so"), Need));
        }

        Assert.Equal("damaged", File.ReadAllText(damaged));
        Assert.Equal("damaged", File.ReadAllText(Path.Combine(root, "always/runtimes/linux-x64/native/libLibTorchSharp.so")));
        // MSBuild repeats warnings in its summary: one distinct warning, about the damaged file only.
        string warning = Assert.Single(log.Split('\n').Where(l => l.Contains("warning CLIPGEN", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct());
        Assert.Contains("warning CLIPGEN001", warning);
        Assert.Contains(damaged, warning);
        Assert.Contains("not an ELF file", warning);
    }

    private static (int Exit, string Log) RunMSBuild(string folder, string project) =>
        DotnetProcess.Run(folder, "msbuild", project, "-nologo", "-nodeReuse:false", "-maxCpuCount:1", "-verbosity:normal");
}
