using ClipGen;
using TorchSharp;
using static TorchSharp.torch;

namespace Consumer;

/// <summary>
/// One broken loop per fixable rule, each with the bug users write. The EndToEnd tests build this file (expecting
/// each diagnostic), apply the fixes with <c>dotnet format analyzers</c>, build again (expecting none) and run the
/// fixed loops (expecting each to train: its last loss below its first).
/// </summary>
public static class BadLoop
{
    /// <summary>Expected: CG0001, optimizer.step() after backward() with no gradient clipping in between.</summary>
    public static (double First, double Last) Unclipped(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        return (losses[0], losses[^1]);
    }

    /// <summary>Expected: CG0002, the gradients are cleared between backward() and step().</summary>
    public static (double First, double Last) ClearedBeforeStep(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            optimizer.zero_grad();
            GradClip.ClipGradNorm(model.parameters(), 1.0);
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        return (losses[0], losses[^1]);
    }

    /// <summary>Expected: CG0003, the gradients are never cleared.</summary>
    public static (double First, double Last) NeverCleared(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            GradClip.ClipGradNorm(model.parameters(), 1.0);
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        return (losses[0], losses[^1]);
    }

    /// <summary>Expected: CG0004 (and CG0001 on the step), the clip runs after the step.</summary>
    public static (double First, double Last) ClippedAfterStep(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            optimizer.step();
            GradClip.ClipGradNorm(model.parameters(), 1.0);
            losses.Add(loss.item<float>());
        }

        return (losses[0], losses[^1]);
    }

    /// <summary>Expected: CG0005, the step runs before this iteration's backward().</summary>
    public static (double First, double Last) StepFirst(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            optimizer.step();
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            GradClip.ClipGradNorm(model.parameters(), 1.0);
            losses.Add(loss.item<float>());
        }

        return (losses[0], losses[^1]);
    }
}
