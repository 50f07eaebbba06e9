using ClipGen.Testing;

namespace ClipGen.Package.Tests;

/// <summary>
/// The package layout users depend on: the runtime is the only library, the Roslyn components are
/// analyzers (never referenced), and the libstdc++ load fix flows to every consumer through buildTransitive.
/// </summary>
public sealed class PackageLayoutTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    [Fact]
    public void The_runtime_is_the_only_library_for_net8()
    {
        string[] lib = package.Entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order().ToArray();

        Assert.Equal(new[] { "lib/net8.0/ClipGen.TorchSharp.dll", "lib/net8.0/ClipGen.TorchSharp.xml" }, lib);
    }

    [Fact]
    public void Analyzers_generator_and_code_fixes_are_csharp_analyzers_only()
    {
        string[] analyzers = package.Entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order().ToArray();

        Assert.Equal(new[] { "analyzers/dotnet/cs/ClipGen.Analyzers.dll", "analyzers/dotnet/cs/ClipGen.CodeFixes.dll" }, analyzers);
        Assert.DoesNotContain(package.Entries, e => e.StartsWith("ref/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_load_fix_targets_and_its_source_ship_side_by_side_in_buildTransitive()
    {
        string[] buildTransitive = package.Entries.Where(e => e.StartsWith("buildTransitive/", StringComparison.Ordinal)).Order().ToArray();

        Assert.Equal(new[] { "buildTransitive/ClipGen.targets", "buildTransitive/ClipGenLoadFix.cs" }, buildTransitive);
        // NuGet imports buildTransitive/<id>.targets for direct and transitive consumers; a build/ copy would import it twice.
        Assert.DoesNotContain(package.Entries, e => e.StartsWith("build/", StringComparison.Ordinal));
        Assert.Contains("Source=\"$(MSBuildThisFileDirectory)ClipGenLoadFix.cs\"", package.BuildTransitiveTargets, StringComparison.Ordinal);
    }

    [Fact]
    public void The_package_readme_is_packed_and_declared()
    {
        string readme = Assert.Single(package.Metadata("readme")).Value;

        Assert.Contains(readme, package.Entries);
    }

    [Fact]
    public void The_license_is_the_MIT_expression()
    {
        var license = Assert.Single(package.Metadata("license"));

        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
    }

    [Fact]
    public void The_only_dependency_is_TorchSharp_from_0_107_0()
    {
        var dependencies = package.Metadata("dependency").ToArray();

        var torchSharp = Assert.Single(dependencies);
        Assert.Equal("TorchSharp", torchSharp.Attribute("id")?.Value);
        // NuGet writes a bare version for "≥ that version" (min inclusive, no max).
        string range = torchSharp.Attribute("version")?.Value ?? "";
        Assert.Matches(@"^(0\.107\.0|\[0\.107\.0, ?\))$", range);
        Assert.Equal("net8.0", torchSharp.Parent?.Attribute("targetFramework")?.Value);
    }

    [Fact]
    public void The_package_id_and_version_match_the_file_name()
    {
        string id = Assert.Single(package.Metadata("id")).Value;
        string version = Assert.Single(package.Metadata("version")).Value;

        Assert.Equal("ClipGen", id);
        Assert.Equal($"ClipGen.{version}.nupkg", Path.GetFileName(package.PackagePath));
    }

    [Fact]
    public void Packing_twice_gives_identical_bytes()
    {
        using PackedPackage again = PackedPackage.Create();

        Assert.Equal(File.ReadAllBytes(package.PackagePath), File.ReadAllBytes(again.PackagePath));
    }
}
