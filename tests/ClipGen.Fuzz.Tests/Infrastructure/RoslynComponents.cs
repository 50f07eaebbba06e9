using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ClipGen.Fuzz.Tests.Infrastructure;

/// <summary>
/// Every analyzer, generator and code fix ClipGen ships, found by reflection so the fuzzer covers
/// whatever exists without being edited when a rule is added.
/// </summary>
public static class RoslynComponents
{
    /// <summary>The assemblies searched: the analyzer and code-fix projects this test references.</summary>
    public static ImmutableArray<Assembly> Assemblies { get; } = ImmutableArray.Create(
        Assembly.Load("ClipGen.Analyzers"),
        Assembly.Load("ClipGen.CodeFixes"));

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        Create<DiagnosticAnalyzer>(t => t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any());

    public static ImmutableArray<ISourceGenerator> Generators { get; } =
        Create<object>(t => t.GetCustomAttributes<GeneratorAttribute>().Any())
            .Select(g => g as ISourceGenerator ?? ((IIncrementalGenerator)g).AsSourceGenerator())
            .ToImmutableArray();

    public static ImmutableArray<CodeFixProvider> CodeFixes { get; } =
        Create<CodeFixProvider>(t => t.GetCustomAttributes<ExportCodeFixProviderAttribute>().Any());

    public static string Describe() =>
        $"{Analyzers.Length} analyzers ({string.Join(", ", Analyzers.Select(a => a.GetType().Name))}), " +
        $"{Generators.Length} generators ({string.Join(", ", Generators.Select(g => g.GetGeneratorType().Name))}), " +
        $"{CodeFixes.Length} code fixes ({string.Join(", ", CodeFixes.Select(f => f.GetType().Name))})";

    private static ImmutableArray<T> Create<T>(Func<Type, bool> exported) where T : class =>
        Assemblies.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && typeof(T).IsAssignableFrom(t) && exported(t)
                        && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
