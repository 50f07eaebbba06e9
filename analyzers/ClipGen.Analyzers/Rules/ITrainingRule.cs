using ClipGen.Analyzers.Flow;
using Microsoft.CodeAnalysis;

namespace ClipGen.Analyzers.Rules;

/// <summary>One rule of <see cref="TrainingLoopAnalyzer"/>: it reads a body's flow facts and reports its descriptor.</summary>
internal interface ITrainingRule
{
    DiagnosticDescriptor Descriptor { get; }

    void Report(TrainingFlow flow, RuleContext context);
}
