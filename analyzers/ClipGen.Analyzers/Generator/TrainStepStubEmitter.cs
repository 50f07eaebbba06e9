using Microsoft.CodeAnalysis.CSharp;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Writes the implementation of a misused train step (<see cref="TrainStepStubModel"/>): its exact signature
/// and a body that throws with the diagnostic's id and message. A pure function of the model.
/// </summary>
internal static class TrainStepStubEmitter
{
    public static string Emit(TrainStepStubModel model)
    {
        var writer = new IndentedWriter();
        Stack<IndentedWriter.Block> blocks = TrainStepEmitter.OpenFile(writer, model.Namespace, model.ContainingTypes);

        string parameters = string.Join(", ", model.Parameters.Select(p => p.Modifier + p.Type + " " + p.Name));
        string modifiers = model.Modifiers.Length > 0 ? model.Modifiers + " " : "";
        writer.Line($"// ClipGen cannot generate {model.MethodName}: the build reports {model.DiagnosticId} at its declaration.")
              .Line("// This body only completes the partial method, so the compiler gets far enough to report that error.")
              .Line(TrainStepEmitter.GeneratedCodeAttribute(model.GeneratorVersion));
        using (writer.OpenBlock($"{modifiers}partial {model.ReturnType} {model.MethodName}({parameters})"))
        {
            string message = SymbolDisplay.FormatLiteral(model.DiagnosticId + ": " + model.DiagnosticMessage, quote: true);
            writer.Line($"throw new global::System.InvalidOperationException({message});");
        }

        TrainStepEmitter.CloseFile(blocks);
        return writer.ToString();
    }
}
