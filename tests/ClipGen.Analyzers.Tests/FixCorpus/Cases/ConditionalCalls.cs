using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.Conditional;

public sealed class FineTuner
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly optim.Optimizer optimizer;

    public FineTuner(nn.Module<Tensor, Tensor> backbone)
    {
        this.backbone = backbone;
        optimizer = optim.SGD(backbone.parameters(), 1e-2);
    }

    // Clears only when asked to restart, but between backward() and step().
    public void Train(IEnumerable<(Tensor X, Tensor Y)> batches, Func<bool> restart)
    {
        foreach (var (x, y) in batches)
        {
            nn.functional.mse_loss(backbone.call(x), y).backward();
            if (restart()) optimizer.zero_grad(); // no fix: CG0002 the clearing is conditional: moving it after the step would change when it runs
            nn.utils.clip_grad_norm_(backbone.parameters(), 1.0);
            optimizer.step();
            optimizer.zero_grad();
        }
    }

    // Clips only for logging runs, after the step.
    public void TrainLogged(IEnumerable<(Tensor X, Tensor Y)> batches, bool logNorms)
    {
        foreach (var (x, y) in batches)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(backbone.call(x), y).backward();
            optimizer.step();
            if (logNorms) Console.WriteLine(nn.utils.clip_grad_norm_(backbone.parameters(), 1.0)); // no fix: CG0004 the clip is inside a condition with logging, not a statement beside the step
        }
    }

    // The backward runs inside a dispose scope after the step.
    public void TrainScoped(IEnumerable<(Tensor X, Tensor Y)> batches)
    {
        foreach (var (x, y) in batches)
        {
            optimizer.zero_grad();
            optimizer.step();
            using (var scope = NewDisposeScope())
            {
                nn.functional.mse_loss(backbone.call(x), y).backward();
            }

            nn.utils.clip_grad_norm_(backbone.parameters(), 1.0);
        }
    }
}
