using TorchSharp;
using static TorchSharp.torch;

namespace Consumer;

public static class BadLoop
{
    /// <summary>Expected: CG0001, optimizer.step() after backward() with no gradient clipping in between.</summary>
    public static double Train(Tensor inputs, Tensor targets, int steps)
    {
        var model = new SequenceRegressor(2, 16);
        var optimizer = optim.Adam(model.parameters(), 0.01);
        double last = double.NaN;
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            using Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
        }

        return last;
    }
}
