using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace ClipGen.CodeFixes;

/// <summary>
/// Base of the ClipGen fixes. Each fix computes its edits as <see cref="FixPlan"/>s once per diagnostic; an action is
/// registered only for a plan that exists, and the action applies exactly that plan, so what is offered and what is
/// applied cannot disagree. Fix All (document/project/solution) plans every diagnostic of a document on the original
/// tree and applies them in one editor, skipping a plan whose statements another plan already edits (overlap).
/// </summary>
public abstract class ClipGenCodeFixProvider : CodeFixProvider
{
    /// <param name="fixes">The rule this provider fixes (one fix class per diagnostic ID).</param>
    protected ClipGenCodeFixProvider(DiagnosticDescriptor fixes) => FixableDiagnosticIds = ImmutableArray.Create(fixes.Id);

    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    public sealed override FixAllProvider GetFixAllProvider() =>
        FixAllProvider.Create(async (context, document, diagnostics) =>
            await FixAllAsync(document, diagnostics, context.CodeActionEquivalenceKey ?? string.Empty, context.CancellationToken).ConfigureAwait(false));

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (await FixInput.CreateAsync(context.Document, context.CancellationToken).ConfigureAwait(false) is not { } input)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            foreach (FixPlan plan in PlansOf(input, diagnostic))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(plan.Title, _ => Task.FromResult(input.Document.WithSyntaxRoot(plan.ApplyTo(input))), plan.Key),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// The edits offered for <paramref name="diagnostic"/>, one per equivalence key; empty when no correct edit
    /// exists. Every plan returned must change the document.
    /// </summary>
    protected abstract IEnumerable<FixPlan> Plan(FixInput input, Diagnostic diagnostic);

    private IEnumerable<FixPlan> PlansOf(FixInput input, Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree == input.Root.SyntaxTree && FixableDiagnosticIds.Contains(diagnostic.Id)
            ? Plan(input, diagnostic)
            : Enumerable.Empty<FixPlan>();

    private async Task<Document> FixAllAsync(Document document, ImmutableArray<Diagnostic> diagnostics, string key, CancellationToken cancellationToken)
    {
        if (await FixInput.CreateAsync(document, cancellationToken).ConfigureAwait(false) is not { } input)
        {
            return document;
        }

        var editor = new SyntaxEditor(input.Root, document.Project.Solution.Services);
        var touched = new List<SyntaxNode>();
        foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (PlansOf(input, diagnostic).FirstOrDefault(p => p.Key == key) is not { } plan
                || plan.Touched.Any(n => touched.Any(t => t.Span.IntersectsWith(n.Span) || n.Span.Contains(t.Span) || t.Span.Contains(n.Span))))
            {
                continue;
            }

            plan.Edit(editor);
            touched.AddRange(plan.Touched);
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }
}

/// <summary>What a fix plans on: the document, its syntax root and semantic model.</summary>
public sealed class FixInput
{
    private FixInput(Document document, SyntaxNode root, SemanticModel model)
    {
        Document = document;
        Root = root;
        Model = model;
    }

    public Document Document { get; }
    public SyntaxNode Root { get; }
    public SemanticModel Model { get; }

    public static async Task<FixInput?> CreateAsync(Document document, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return root is null || model is null ? null : new FixInput(document, root, model);
    }
}

/// <summary>
/// One computed edit: its title and equivalence key, the statements it edits (for overlap in Fix All) and the edit
/// itself, recorded on a <see cref="SyntaxEditor"/> over the tree it was planned on.
/// </summary>
public sealed class FixPlan
{
    public FixPlan(string title, string key, IReadOnlyList<SyntaxNode> touched, Action<SyntaxEditor> edit)
    {
        Title = title;
        Key = key;
        Touched = touched;
        Edit = edit;
    }

    public string Title { get; }
    public string Key { get; }
    public IReadOnlyList<SyntaxNode> Touched { get; }
    public Action<SyntaxEditor> Edit { get; }

    internal SyntaxNode ApplyTo(FixInput input)
    {
        var editor = new SyntaxEditor(input.Root, input.Document.Project.Solution.Services);
        Edit(editor);
        return editor.GetChangedRoot();
    }
}
