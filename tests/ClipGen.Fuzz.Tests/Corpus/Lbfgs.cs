using TorchSharp;
using static TorchSharp.torch;

public static class Lbfgs
{
    public static void Fit(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.LBFGS(model.parameters(), lr: 1, max_iter: 20);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            optimizer.step(() =>
            {
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 5.0);
                return loss;
            });
        }
    }

    public static Tensor Closure(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        Tensor Compute()
        {
            optimizer.zero_grad();
            var l = nn.functional.smooth_l1_loss(model.call(x), y);
            l.backward();
            return l;
        }

        return optimizer.step(Compute);
    }
}
