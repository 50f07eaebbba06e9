using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ClipGen.Fuzz.Tests.Infrastructure;

/// <summary>Offline references: .NET 8 reference assemblies from a package, TorchSharp and the ClipGen runtime.</summary>
public static class FuzzReferences
{
    public static ImmutableArray<MetadataReference> All { get; } =
        Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(global::TorchSharp.torch).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(global::ClipGen.TrainStepResult).Assembly.Location))
            .ToImmutableArray();
}
