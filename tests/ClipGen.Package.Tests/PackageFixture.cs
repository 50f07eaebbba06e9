using System.IO.Compression;
using System.Xml.Linq;
using ClipGen.Testing;

namespace ClipGen.Package.Tests;

/// <summary>Packs once for every test in the assembly and reads the package's entries and nuspec.</summary>
public sealed class PackageFixture : IDisposable
{
    private readonly PackedPackage package = PackedPackage.Create();

    public PackageFixture()
    {
        using (ZipArchive zip = ZipFile.OpenRead(package.PackagePath))
        {
            Entries = zip.Entries.Select(e => e.FullName).ToArray();
            Nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName == "ClipGen.nuspec").Open());
            BuildTransitiveTargets = ReadText(zip, "buildTransitive/ClipGen.targets");
            RuntimeAssembly = ReadBytes(zip, "lib/net8.0/ClipGen.TorchSharp.dll");
            AnalyzerAssembly = ReadBytes(zip, "analyzers/dotnet/cs/ClipGen.Analyzers.dll");
            CodeFixAssembly = ReadBytes(zip, "analyzers/dotnet/cs/ClipGen.CodeFixes.dll");
        }

        using (ZipArchive symbols = ZipFile.OpenRead(package.SymbolPackagePath))
        {
            SymbolEntries = symbols.Entries.Select(e => e.FullName).ToArray();
            RuntimePdb = ReadBytes(symbols, "lib/net8.0/ClipGen.TorchSharp.pdb");
        }
    }

    public IReadOnlyList<string> Entries { get; }

    public IReadOnlyList<string> SymbolEntries { get; }

    public XDocument Nuspec { get; }

    public string BuildTransitiveTargets { get; }

    public byte[] RuntimeAssembly { get; }

    public byte[] AnalyzerAssembly { get; }

    public byte[] CodeFixAssembly { get; }

    public byte[] RuntimePdb { get; }

    public string PackagePath => package.PackagePath;

    /// <summary>The nuspec's metadata elements by local name (the nuspec namespace varies with NuGet's version).</summary>
    public IEnumerable<XElement> Metadata(string name) =>
        Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata").Descendants().Where(e => e.Name.LocalName == name);

    public void Dispose() => package.Dispose();

    private static byte[] ReadBytes(ZipArchive zip, string entry)
    {
        ZipArchiveEntry found = zip.GetEntry(entry) ?? throw new InvalidOperationException($"the package has no {entry}");
        using Stream stream = found.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ReadText(ZipArchive zip, string entry) => System.Text.Encoding.UTF8.GetString(ReadBytes(zip, entry));
}
