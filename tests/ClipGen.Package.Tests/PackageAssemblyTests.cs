using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ClipGen.Package.Tests;

/// <summary>What the packed assemblies are built against and how (deterministic, with matching symbols).</summary>
public sealed class PackageAssemblyTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public void Every_packed_assembly_is_built_deterministically()
    {
        foreach (byte[] assembly in new[] { package.RuntimeAssembly, package.AnalyzerAssembly, package.CodeFixAssembly })
        {
            using var pe = new PEReader(new MemoryStream(assembly));

            Assert.Contains(pe.ReadDebugDirectory(), entry => entry.Type == DebugDirectoryEntryType.Reproducible);
        }
    }

    [Fact]
    public void The_symbol_package_holds_the_runtime_pdb_the_dll_points_to()
    {
        using var pe = new PEReader(new MemoryStream(package.RuntimeAssembly));
        DebugDirectoryEntry codeView = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.CodeView);
        CodeViewDebugDirectoryData expected = pe.ReadCodeViewDebugDirectoryData(codeView);

        using var pdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(package.RuntimePdb));
        BlobContentId actual = new(pdb.GetMetadataReader().DebugMetadataHeader!.Id);

        Assert.Equal("lib/net8.0/ClipGen.TorchSharp.pdb", Assert.Single(package.SymbolEntries, e => e.EndsWith(".pdb", StringComparison.Ordinal)));
        Assert.Equal(expected.Guid, actual.Guid);
    }

    [Fact]
    public void The_pdb_has_source_link_whenever_the_package_names_a_repository_url()
    {
        string? url = package.Metadata("repository").SingleOrDefault()?.Attribute("url")?.Value;
        using var pdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(package.RuntimePdb));
        MetadataReader reader = pdb.GetMetadataReader();
        bool hasSourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Any(info => reader.GetGuid(info.Kind) == SourceLinkKind);

        // Without a git remote there is nothing to link to (see Packaging.targets); with one, the link must be there.
        Assert.Equal(!string.IsNullOrEmpty(url), hasSourceLink);
    }

    [Theory]
    [InlineData("analyzer")]
    [InlineData("codefix")]
    public void Roslyn_components_target_netstandard2_and_Roslyn_4_11_and_never_load_TorchSharp(string which)
    {
        byte[] assembly = which == "analyzer" ? package.AnalyzerAssembly : package.CodeFixAssembly;
        using var pe = new PEReader(new MemoryStream(assembly));
        MetadataReader reader = pe.GetMetadataReader();
        var references = reader.AssemblyReferences
            .Select(reader.GetAssemblyReference)
            .ToDictionary(r => reader.GetString(r.Name), r => r.Version);

        Assert.Equal(new Version(2, 0, 0, 0), references["netstandard"]);
        // The compiler loads these: a newer Roslyn than 4.11 would fail in VS 17.11 / SDK 8.0.4xx.
        // (the analyzer assembly must reference Roslyn; the code-fix assembly does once it holds a fix)
        if (references.TryGetValue("Microsoft.CodeAnalysis", out Version? roslyn) || which == "analyzer")
        {
            Assert.True(roslyn is not null && roslyn <= new Version(4, 11, 0, 0), $"Microsoft.CodeAnalysis {roslyn}");
        }
        Assert.DoesNotContain("TorchSharp", references.Keys);
        Assert.DoesNotContain("ClipGen.TorchSharp", references.Keys);
    }
}
