namespace ClipGen.Analyzers.Tests.Infrastructure;

/// <summary>Wraps a training-loop body in a compilable class (model, optimizer, data and loss in scope).</summary>
public static class Snippets
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        """;

    /// <summary>
    /// <paramref name="body"/> runs inside <c>Train(model, x, y, steps)</c> after
    /// <c>var optimizer = optim.Adam(model.parameters(), 1e-3);</c>; <paramref name="members"/> are extra class members.
    /// </summary>
    public static string Loop(string body, string members = "", string model = "nn.Module<Tensor, Tensor>") => Usings + $$"""
        public class Trainer
        {
            public void Train({{model}} model, Tensor x, Tensor y, int steps)
            {
                var optimizer = optim.Adam(model.parameters(), 1e-3);
        {{Indent(body, 8)}}
            }
        {{Indent(members, 4)}}
        }

        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select(l => l.Length == 0 ? l : new string(' ', spaces) + l));
}
