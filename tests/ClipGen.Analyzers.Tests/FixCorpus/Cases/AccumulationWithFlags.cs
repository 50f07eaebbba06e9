using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Accumulation;

public sealed class LanguageModelTrainer
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly optim.Optimizer optimizer;
    private readonly bool useAccumulation;
    private readonly int accumulationSteps;

    public LanguageModelTrainer(nn.Module<Tensor, Tensor> model, bool useAccumulation, int accumulationSteps)
    {
        this.model = model;
        this.useAccumulation = useAccumulation;
        this.accumulationSteps = accumulationSteps;
        optimizer = optim.AdamW(model.parameters(), 5e-4);
    }

    private Tensor Loss(Tensor tokens, Tensor targets) =>
        nn.functional.cross_entropy(model.call(tokens).view(-1, 1000), targets.view(-1));

    // The flag decides which of two steps runs: clearing at the top starves the boundary step.
    public void TrainToggled(IEnumerator<(Tensor Tokens, Tensor Targets)> batches, int updates)
    {
        for (int update = 0; update < updates; update++)
        {
            for (int micro = 0; micro < accumulationSteps; micro++)
            {
                optimizer.zero_grad(); // no fix: CG0002 the optimizer steps in two places chosen by a flag
                batches.MoveNext();
                var loss = Loss(batches.Current.Tokens, batches.Current.Targets);
                if (useAccumulation) loss = loss / accumulationSteps;
                loss.backward();
                if (!useAccumulation) optimizer.step();
            }

            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            if (useAccumulation) optimizer.step();
        }
    }

    // Every k-th batch steps; clearing at the top keeps only the last batch.
    public void TrainEveryK(IReadOnlyList<(Tensor Tokens, Tensor Targets)> batches)
    {
        for (int i = 0; i < batches.Count; i++)
        {
            optimizer.zero_grad();
            var loss = Loss(batches[i].Tokens, batches[i].Targets) / accumulationSteps;
            loss.backward();
            if ((i + 1) % accumulationSteps == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
        }
    }

    // Accumulates correctly but never clips.
    public void TrainAccumulatedUnclipped(IReadOnlyList<(Tensor Tokens, Tensor Targets)> batches)
    {
        for (int i = 0; i < batches.Count; i++)
        {
            var loss = Loss(batches[i].Tokens, batches[i].Targets) / accumulationSteps;
            loss.backward();
            if ((i + 1) % accumulationSteps == 0)
            {
                optimizer.step();
                optimizer.zero_grad();
            }
        }
    }

    // Accumulates, steps every k, and never clears.
    public void TrainNeverCleared(IReadOnlyList<(Tensor Tokens, Tensor Targets)> batches)
    {
        for (int i = 0; i < batches.Count; i++)
        {
            var loss = Loss(batches[i].Tokens, batches[i].Targets) / accumulationSteps;
            loss.backward();
            if ((i + 1) % accumulationSteps == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
            }
        }
    }

    // Only steps when the flag says so, as an embedded statement.
    public void TrainWhenReady(IReadOnlyList<(Tensor Tokens, Tensor Targets)> batches, Func<int, bool> ready)
    {
        for (int i = 0; i < batches.Count; i++)
        {
            var loss = Loss(batches[i].Tokens, batches[i].Targets);
            loss.backward();
            if (ready(i)) optimizer.step();
            optimizer.zero_grad();
        }
    }
}
