using TorchSharp;
using static TorchSharp.torch;

public sealed class Stepper
{
    public void step() { }
    public void zero_grad() { }
    public void backward() { }
}

public static class LookAlikes
{
    public static void NotTorch(Stepper s)
    {
        for (int i = 0; i < 3; i++)
        {
            s.backward();
            s.zero_grad();
            s.step();
        }
    }

    public static void ClipInHelper(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        for (int i = 0; i < 3; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            Clip(model);
            optimizer.step();
        }
    }

    private static void Clip(nn.Module model) => nn.utils.clip_grad_norm_(model.parameters(), 1.0);

    public static void Local(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        var optimizer = optim.SGD(model.parameters(), 0.1);
        Action train = () =>
        {
            optimizer.zero_grad();
            model.call(x).sum().backward();
            optimizer.step();
        };
        for (var i = 0; i < 2; i++) train();
        switch (x.shape.Length)
        {
            case 0:
                goto default;
            default:
                do { optimizer.step(); } while (false);
                break;
        }
    }
}
