using ClipGen.Analyzers.Tests.Infrastructure;
using ClipGen.CodeFixes;
using Verify = ClipGen.Analyzers.Tests.Fixes.CheckedFixVerifier<ClipGen.CodeFixes.CG0001AddClippingCodeFix>;

namespace ClipGen.Analyzers.Tests.Fixes;

public class CG0001AddClippingCodeFixTests
{
    private const string Before = """
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            // apply the update
            {|CG0001:optimizer.step()|};
        }
        """;

    [Fact]
    public Task Inserts_TorchSharp_clip_grad_norm_with_the_optimizer_parameters() => Verify.VerifyAsync(
        Snippets.Loop(Before),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                // apply the update
                optimizer.step();
            }
            """),
        CG0001AddClippingCodeFix.TorchSharpKey);

    [Fact]
    public Task Inserts_GradClip_when_the_runtime_is_referenced_with_the_editorconfig_max_norm() => Verify.VerifyAsync(
        Snippets.Loop(Before),
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                ClipGen.GradClip.ClipGradNorm(model.parameters(), 0.5);
                // apply the update
                optimizer.step();
            }
            """),
        CG0001AddClippingCodeFix.GradClipKey,
        editorConfig: "root = true\n[*.cs]\nclipgen.default_max_norm = 0.5\n");

    [Fact]
    public Task Uses_the_one_model_in_scope_when_the_optimizer_construction_is_not_visible() => Verify.VerifyAsync(
        Snippets.Usings + """
        public static class T
        {
            public static void Step(nn.Module<Tensor, Tensor> net, optim.Optimizer opt, Tensor x)
            {
                net.call(x).sum().backward();
                {|CG0001:opt.step()|};
            }
        }
        """,
        Snippets.Usings + """
        public static class T
        {
            public static void Step(nn.Module<Tensor, Tensor> net, optim.Optimizer opt, Tensor x)
            {
                net.call(x).sum().backward();
                nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                opt.step();
            }
        }
        """,
        CG0001AddClippingCodeFix.TorchSharpKey);

    // Was "no fix" before issue 11: with two models in scope and no visible construction, the optimizer's own
    // parameters are what it steps.
    [Fact]
    public Task Clips_the_optimizer_parameters_when_no_model_is_known() => Verify.VerifyAsync(Snippets.Usings + """
        public static class T
        {
            public static void Step(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, optim.Optimizer opt, Tensor x)
            {
                (a.call(x) + b.call(x)).sum().backward();
                {|CG0001:opt.step()|};
            }
        }
        """,
        Snippets.Usings + """
        public static class T
        {
            public static void Step(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, optim.Optimizer opt, Tensor x)
            {
                (a.call(x) + b.call(x)).sum().backward();
                nn.utils.clip_grad_norm_(opt.parameters(), 1.0);
                opt.step();
            }
        }
        """,
        CG0001AddClippingCodeFix.TorchSharpKey);

    [Fact]
    public Task Fix_all_inserts_before_every_step() => Verify.VerifyAsync(
        Snippets.Loop("""
            var second = optim.SGD(model.parameters(), 0.1);
            optimizer.zero_grad();
            model.call(x).sum().backward();
            {|CG0001:optimizer.step()|};
            second.zero_grad();
            model.call(x).sum().backward();
            {|CG0001:second.step()|};
            """),
        Snippets.Loop("""
            var second = optim.SGD(model.parameters(), 0.1);
            optimizer.zero_grad();
            model.call(x).sum().backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            second.zero_grad();
            model.call(x).sum().backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            second.step();
            """),
        CG0001AddClippingCodeFix.TorchSharpKey);
}
