using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Scopes;

public sealed class ScopedTrainer
{
    private readonly TransformerEncoderLayer encoder = nn.TransformerEncoderLayer(64, 4);
    private readonly Linear classifier = nn.Linear(64, 10);
    private readonly optim.Optimizer optimizer;

    public ScopedTrainer()
    {
        optimizer = optim.AdamW(encoder.parameters(), 3e-4);
    }

    public void Train(IEnumerable<(Tensor Tokens, Tensor Labels)> batches)
    {
        foreach (var (tokens, labels) in batches)
        {
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var logits = classifier.call(encoder.call(tokens).mean(new long[] { 0 }));
                var loss = nn.functional.cross_entropy(logits, labels);
                loss.backward();
                optimizer.step();
            }
        }
    }

    public void TrainUsingDeclaration(IEnumerable<(Tensor Tokens, Tensor Labels)> batches)
    {
        foreach (var (tokens, labels) in batches)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var loss = nn.functional.cross_entropy(classifier.call(encoder.call(tokens).mean(new long[] { 0 })), labels);
            loss.backward();
            using (no_grad())
                optimizer.step();
        }
    }

    public double Evaluate(IEnumerable<(Tensor Tokens, Tensor Labels)> batches)
    {
        double total = 0;
        using (no_grad())
        {
            foreach (var (tokens, labels) in batches)
            {
                total += nn.functional.cross_entropy(classifier.call(encoder.call(tokens).mean(new long[] { 0 })), labels).item<float>();
            }
        }

        return total;
    }
}
