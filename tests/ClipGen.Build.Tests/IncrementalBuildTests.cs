using System.IO.Compression;

namespace ClipGen.Build.Tests;

/// <summary>
/// Real `dotnet build` / `dotnet publish` runs of two small consumer projects (an app with a package that
/// ships libLibTorchSharp.so, and a second app referencing the first), restored from a local feed into a
/// private packages folder so the test may touch the "NuGet cache" file. Proves the load fix is incremental:
/// an unchanged build neither patches nor copies again, a changed input patches again, and the SDK's own
/// copy never leaves an unpatched file in the output.
/// </summary>
public class IncrementalBuildTests
{
    private const string Need = ElfSamples.TorchSharpNeed;
    private const string Native = "runtimes/linux-x64/native/libLibTorchSharp.so";
    private const string PatchedLine = "ClipGen: patched";

    [Fact]
    public void A_no_change_build_does_not_patch_or_copy_again_and_a_touched_input_patches_again()
    {
        Assert.NotNull(ElfSamples.RealLibTorchSharp);
        using var folder = new TempFolder();
        string root = folder.Path;
        string source = WriteConsumers(root);
        string appOut = Path.Combine(root, "App/bin/Release/net10.0", Native);
        string userOut = Path.Combine(root, "User/bin/Release/net10.0", Native);

        (int exit, string log) = Build(root);
        Assert.True(exit == 0, log);
        Assert.Equal(2, Lines(log, PatchedLine).Length); // one fixed copy per project, under its obj/
        AssertPatched(log, appOut, userOut);
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(source, Need)); // the package file is never edited
        DateTime appTime = File.GetLastWriteTimeUtc(appOut);
        DateTime userTime = File.GetLastWriteTimeUtc(userOut);

        (exit, log) = Build(root);
        Assert.True(exit == 0, log);
        Assert.Empty(Lines(log, PatchedLine));
        Assert.Equal(2, Lines(log, "Skipping target \"_ClipGenPatchLibTorchSharpCopies\" because all output files are up-to-date").Length);
        AssertPatched(log, appOut, userOut);
        Assert.Equal(appTime, File.GetLastWriteTimeUtc(appOut)); // the SDK did not copy it again either
        Assert.Equal(userTime, File.GetLastWriteTimeUtc(userOut));

        // Another package file (as after a restore of another build of the package) is fixed again, even when
        // it is older than the fixed copy: the settings file records each source's time, not just their order.
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(-1));
        (exit, log) = Build(root);
        Assert.True(exit == 0, log);
        Assert.Equal(2, Lines(log, PatchedLine).Length);
        AssertPatched(log, appOut, userOut);

        // Opting out puts the shipped file back (and that build's IncrementalClean deletes the fixed copies, which
        // are not its outputs); opting in again makes them again and the SDK's copy replaces the shipped file.
        (exit, log) = Build(root, "-p:ClipGenPatchLibTorchSharp=false");
        Assert.True(exit == 0, log);
        Assert.Empty(Lines(log, PatchedLine));
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(appOut, Need));
        Assert.Equal("none", TestElfLibrary.ReadElfFlags(userOut, Need));
        (exit, log) = Build(root);
        Assert.True(exit == 0, log);
        AssertPatched(log, appOut, userOut);

        // Publish copies the fixed file; the in-place check after it finds it patched.
        (exit, log) = DotnetProcess.Run(root, "publish", "App/App.csproj", "-c", "Release", "--no-restore", "-o", Path.Combine(root, "published"),
            "-nologo", "-nodeReuse:false", "-maxCpuCount:1", "-verbosity:normal");
        Assert.True(exit == 0, log);
        Assert.Equal("WEAK", TestElfLibrary.ReadElfFlags(Path.Combine(root, "published", Native), Need));
        Assert.Empty(Lines(log, PatchedLine));
        Assert.Contains("0 Warning(s)", log, StringComparison.Ordinal);
    }

    private static void AssertPatched(string log, params string[] files)
    {
        foreach (string file in files)
        {
            Assert.True(TestElfLibrary.ReadElfFlags(file, Need) == "WEAK", $"{file} is not patched\n{log}");
        }
    }

    private static string[] Lines(string log, string text) =>
        log.Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal)).ToArray();

    private static (int Exit, string Log) Build(string root, params string[] extra) =>
        DotnetProcess.Run(root, ["build", "User/User.csproj", "-c", "Release", "-nologo", "-nodeReuse:false", "-maxCpuCount:1", "-verbosity:normal", .. extra]);

    /// <summary>Writes the feed, NuGet.Config and both projects; returns the package's extracted native file.</summary>
    private static string WriteConsumers(string root)
    {
        string targets = ClipGenTargetsFile.Path;
        Directory.CreateDirectory(Path.Combine(root, "feed"));
        using (ZipArchive package = ZipFile.Open(Path.Combine(root, "feed/clipgentest.native.1.0.0.nupkg"), ZipArchiveMode.Create))
        {
            using (var nuspec = new StreamWriter(package.CreateEntry("ClipGenTest.Native.nuspec").Open()))
            {
                nuspec.Write("""
                    <?xml version="1.0" encoding="utf-8"?>
                    <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                      <metadata><id>ClipGenTest.Native</id><version>1.0.0</version><authors>test</authors><description>test</description></metadata>
                    </package>
                    """);
            }

            package.CreateEntryFromFile(ElfSamples.RealLibTorchSharp!, Native);
        }

        File.WriteAllText(Path.Combine(root, "NuGet.Config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="packages" /></config>
              <packageSources><clear /><add key="local" value="feed" /></packageSources>
            </configuration>
            """);
        // Stops the search for Directory.Build.* / Directory.Packages.props above the temporary folder.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />");
        foreach ((string name, string reference) in new[]
        {
            ("App", """<PackageReference Include="ClipGenTest.Native" Version="1.0.0" />"""),
            ("User", """<ProjectReference Include="../App/App.csproj" />"""),
        })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.WriteAllText(Path.Combine(root, name, "Program.cs"), "System.Console.WriteLine(1);\n");
            // "always": the test must not depend on this machine's libstdc++; ClipGen.targets as buildTransitive imports it.
            File.WriteAllText(Path.Combine(root, name, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <UseAppHost>false</UseAppHost>
                    <NuGetAudit>false</NuGetAudit>
                    <ClipGenPatchLibTorchSharp Condition="'$(ClipGenPatchLibTorchSharp)' == ''">always</ClipGenPatchLibTorchSharp>
                  </PropertyGroup>
                  <ItemGroup>{reference}</ItemGroup>
                  <Import Project="{targets}" />
                </Project>
                """);
        }

        return Path.Combine(root, "packages/clipgentest.native/1.0.0", Native);
    }
}
