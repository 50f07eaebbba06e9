using TorchSharp;
using static TorchSharp.torch;

public static class BuggyLoops
{
    public static void ZeroBetweenBackwardAndStep(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        for (int i = 0; i < 10; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.zero_grad();
            optimizer.step();
        }
    }

    public static void NoZeroGrad(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.SGD(model.parameters(), 0.01);
        for (int i = 0; i < 10; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
        }
    }

    public static void StepBeforeBackward(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.SGD(model.parameters(), 0.01);
        for (int i = 0; i < 10; i++)
        {
            optimizer.zero_grad();
            optimizer.step();
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
        }
    }

    public static void ClipBeforeBackwardAndAfterStep(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.SGD(model.parameters(), 0.01);
        for (int i = 0; i < 10; i++)
        {
            optimizer.zero_grad();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            optimizer.step();
            nn.utils.clip_grad_value_(model.parameters(), 1.0);
        }
    }

    public static void BadConstants(nn.Module<Tensor, Tensor> model)
    {
        nn.utils.clip_grad_norm_(model.parameters(), 0.0);
        nn.utils.clip_grad_norm_(model.parameters(), -1.0);
        nn.utils.clip_grad_norm_(model.parameters(), double.NaN);
        nn.utils.clip_grad_norm_(model.parameters(), 1.0, 0.0);
        nn.utils.clip_grad_norm_(model.parameters(), 1.0, -2);
        nn.utils.clip_grad_value_(model.parameters(), 0);
        nn.utils.clip_grad_value_(model.parameters(), -0.5);
        const double maxNorm = -3;
        nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
    }

    public static void ConditionalZero(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, bool flag)
    {
        var optimizer = optim.Adam(model.parameters());
        for (int i = 0; i < 10; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            if (flag)
            {
                optimizer.zero_grad();
            }
            else
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            }

            optimizer.step();
        }
    }
}
