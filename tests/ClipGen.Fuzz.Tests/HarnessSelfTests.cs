using System.Collections.Immutable;
using System.Composition;
using ClipGen.Fuzz.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Fuzz.Tests;

/// <summary>The fuzz harness sees each kind of crash: it would not be worth running otherwise.</summary>
public class HarnessSelfTests
{
    private const string Source = """
        using TorchSharp;
        using static TorchSharp.torch;
        public static class L
        {
            public static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x)
            {
                optimizer.zero_grad();
                model.call(x).sum().backward();
                optimizer.step();
            }
        }
        """;

    [Fact]
    public async Task A_throwing_analyzer_is_reported()
    {
        var runner = new VariantRunner(ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()), ImmutableArray<ISourceGenerator>.Empty, ImmutableArray<CodeFixProvider>.Empty);
        Assert.Contains(await runner.RunAsync(Source), f => f.Contains("ThrowingAnalyzer threw", StringComparison.Ordinal) || f.StartsWith("AD0001", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_throwing_generator_is_reported()
    {
        var runner = new VariantRunner(ImmutableArray<DiagnosticAnalyzer>.Empty, ImmutableArray.Create(new ThrowingGenerator().AsSourceGenerator()), ImmutableArray<CodeFixProvider>.Empty);
        Assert.Contains(await runner.RunAsync(Source), f => f.Contains("CS8785", StringComparison.Ordinal) || f.Contains("generator", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_throwing_code_fix_is_reported_and_a_working_one_is_applied_and_reanalyzed()
    {
        var runner = new VariantRunner(ImmutableArray.Create<DiagnosticAnalyzer>(new StepAnalyzer()), ImmutableArray<ISourceGenerator>.Empty,
            ImmutableArray.Create<CodeFixProvider>(new ThrowingFix(), new RemovingFix()));
        IReadOnlyList<string> failures = await runner.RunAsync(Source);
        Assert.Contains(failures, f => f.Contains("ThrowingFix", StringComparison.Ordinal) && f.Contains("boom from a fix", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("RemovingFix", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_run_reports_nothing()
    {
        var runner = new VariantRunner(ImmutableArray.Create<DiagnosticAnalyzer>(new StepAnalyzer()), ImmutableArray<ISourceGenerator>.Empty, ImmutableArray.Create<CodeFixProvider>(new RemovingFix()));
        Assert.Empty(await runner.RunAsync(Source));
    }

    [Fact]
    public void The_mutator_is_deterministic_and_truncates_at_every_token()
    {
        var mutator = new Mutator(Source, VariantRunner.Options);
        int tokens = CSharpSyntaxTree.ParseText(Source).GetRoot().DescendantTokens().Count() - 1;
        Assert.Equal(tokens, mutator.TruncationCount);
        for (int i = tokens; i < tokens + 50; i++)
        {
            Assert.Equal(mutator.Create(7, "x", i), mutator.Create(7, "x", i));
        }

        Assert.Equal("using", mutator.Create(7, "x", 0).Text);
        Assert.True(Enumerable.Range(tokens, 50).Select(i => mutator.Create(7, "x", i).Text).Distinct().Count() > 40);
    }

    private static readonly DiagnosticDescriptor Step = new("FUZZ001", "step", "step", "Test", DiagnosticSeverity.Warning, true);

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Step);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(_ => throw new InvalidOperationException("boom from an analyzer"), SyntaxKind.InvocationExpression);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class StepAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Step);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxNodeAction(c =>
            {
                if (c.Node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "step" } })
                {
                    c.ReportDiagnostic(Diagnostic.Create(Step, c.Node.GetLocation()));
                }
            }, SyntaxKind.InvocationExpression);
        }
    }

    private sealed class ThrowingGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(context.CompilationProvider, (_, _) => throw new InvalidOperationException("boom from a generator"));
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    private sealed class ThrowingFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Step.Id);

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Func<CancellationToken, Task<Document>> fail = _ => throw new InvalidOperationException("boom from a fix");
            context.RegisterCodeFix(CodeAction.Create("throws", fail, "throws"), context.Diagnostics);
            return Task.CompletedTask;
        }
    }

    [ExportCodeFixProvider(LanguageNames.CSharp), Shared]
    private sealed class RemovingFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(Step.Id);

        public override Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Func<CancellationToken, Task<Document>> remove = async ct =>
            {
                SyntaxNode root = (await context.Document.GetSyntaxRootAsync(ct))!;
                SyntaxNode statement = root.FindNode(context.Span).FirstAncestorOrSelf<StatementSyntax>()!;
                return context.Document.WithSyntaxRoot(root.RemoveNode(statement, SyntaxRemoveOptions.KeepNoTrivia)!);
            };
            context.RegisterCodeFix(CodeAction.Create("remove", remove, "remove"), context.Diagnostics);
            return Task.CompletedTask;
        }
    }
}
