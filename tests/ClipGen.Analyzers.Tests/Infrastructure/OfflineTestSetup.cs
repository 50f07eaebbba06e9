using Microsoft.CodeAnalysis.Testing;

namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Makes an analyzer/code-fix/generator test compile against the offline references only: an empty
/// <see cref="ReferenceAssemblies"/> (nothing is resolved from NuGet) plus .NET 8, TorchSharp and, on request,
/// the ClipGen runtime as additional references.
/// </summary>
public static class OfflineTestSetup
{
    public static void Apply(SolutionState state, bool withClipGenRuntime)
    {
        state.AdditionalReferences.AddRange(TestReferences.Net80);
        state.AdditionalReferences.Add(TestReferences.TorchSharp);
        if (withClipGenRuntime)
        {
            state.AdditionalReferences.Add(TestReferences.ClipGenRuntime);
        }
    }
}
