using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Offline references for compiling test snippets: the .NET 8 reference assemblies shipped in a NuGet
/// package (no download at test time), TorchSharp, and the ClipGen runtime.
/// </summary>
public static class TestReferences
{
    /// <summary>.NET 8 reference assemblies from Basic.Reference.Assemblies.Net80.</summary>
    public static ImmutableArray<MetadataReference> Net80 { get; } =
        Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>().ToImmutableArray();

    /// <summary>TorchSharp's assembly (metadata only: libtorch is never loaded).</summary>
    public static MetadataReference TorchSharp { get; } =
        MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location);

    /// <summary>The ClipGen runtime (attributes, <c>GradClip</c>).</summary>
    public static MetadataReference ClipGenRuntime { get; } =
        MetadataReference.CreateFromFile(typeof(global::ClipGen.TrainStepResult).Assembly.Location);

    /// <summary>
    /// For Microsoft.CodeAnalysis.Testing verifiers: an empty reference set (the Net80 assemblies are
    /// added as additional references instead, so nothing is resolved from a NuGet feed).
    /// </summary>
    public static ReferenceAssemblies Offline { get; } = new ReferenceAssemblies("net8.0-offline");
}
