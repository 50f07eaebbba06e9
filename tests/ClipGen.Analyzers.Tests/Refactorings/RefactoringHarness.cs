using System.Collections.Immutable;
using ClipGen.Analyzers.Tests.Generator;
using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes.Refactorings;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace ClipGen.Analyzers.Tests.Refactorings;

/// <summary>
/// Runs <see cref="GenerateTrainStepRefactoring"/> in an <see cref="AdhocWorkspace"/> (no CodeRefactoring.Testing
/// package on the feed): <c>$$</c> marks the caret, <c>[|…|]</c> a selection. Offline references only.
/// </summary>
internal static class RefactoringHarness
{
    /// <summary>The refactorings offered at the markup (each applied: the new text of the document).</summary>
    public static async Task<List<(CodeAction Action, string Text)>> RunAsync(string markup, bool withRuntime = true, string? editorConfig = null)
    {
        (string source, TextSpan span) = Parse(markup);
        using var workspace = new AdhocWorkspace();
        ProjectId projectId = ProjectId.CreateNewId();
        IEnumerable<MetadataReference> references = TestReferences.Net80.Add(TestReferences.TorchSharp);
        if (withRuntime)
        {
            references = references.Append(TestReferences.ClipGenRuntime);
        }

        Solution solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId, VersionStamp.Default, "Snippet", "Snippet", LanguageNames.CSharp,
                filePath: "/src/Snippet.csproj",
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: GeneratorHarness.ParseOptions(),
                metadataReferences: references));
        DocumentId documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Trainer.cs", SourceText.From(source), filePath: "/src/Trainer.cs");
        if (editorConfig is not null)
        {
            solution = solution.AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId), ".editorconfig", SourceText.From(editorConfig), filePath: "/src/.editorconfig");
        }

        Document document = solution.GetDocument(documentId)!;
        var actions = new List<CodeAction>();
        var context = new CodeRefactoringContext(document, span, actions.Add, CancellationToken.None);
        await new GenerateTrainStepRefactoring().ComputeRefactoringsAsync(context);

        var results = new List<(CodeAction, string)>();
        foreach (CodeAction action in actions)
        {
            ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
            Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
            SourceText text = await changed.GetDocument(documentId)!.GetTextAsync();
            results.Add((action, text.ToString()));
        }

        return results;
    }

    /// <summary>Applies the one refactoring offered and returns the new text.</summary>
    public static async Task<string> ApplyAsync(string markup, string? editorConfig = null)
    {
        List<(CodeAction Action, string Text)> offered = await RunAsync(markup, editorConfig: editorConfig);
        (CodeAction action, string text) = Assert.Single(offered);
        Assert.Equal(GenerateTrainStepRefactoring.Title, action.Title);
        return text;
    }

    /// <summary>
    /// The refactored source compiles with the generator running: the partial method got its body, and the
    /// compilation has no warning or error (so the generator accepted the declaration the refactoring wrote).
    /// </summary>
    public static void AssertCompilesWithGenerator(string source, string expectedHintName)
    {
        GeneratorResult result = GeneratorHarness.Run(source);
        Assert.Contains(result.Sources, s => s.HintName == expectedHintName);
        Assert.Empty(GeneratorHarness.Problems(result.Output));
    }

    private static (string Source, TextSpan Span) Parse(string markup)
    {
        int caret = markup.IndexOf("$$", StringComparison.Ordinal);
        if (caret >= 0)
        {
            return (markup.Remove(caret, 2), new TextSpan(caret, 0));
        }

        int start = markup.IndexOf("[|", StringComparison.Ordinal);
        int end = markup.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new ArgumentException("markup needs $$ or [|…|]", nameof(markup));
        }

        string source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
