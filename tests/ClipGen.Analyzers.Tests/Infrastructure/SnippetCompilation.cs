using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>Builds an in-memory C# compilation of a snippet against the offline references.</summary>
public static class SnippetCompilation
{
    /// <summary>Compiles <paramref name="sources"/> as a library referencing .NET 8, TorchSharp and ClipGen.</summary>
    public static CSharpCompilation Create(params string[] sources) =>
        CSharpCompilation.Create(
            "Snippet",
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            TestReferences.Net80.Add(TestReferences.TorchSharp).Add(TestReferences.ClipGenRuntime),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
}
