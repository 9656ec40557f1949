namespace AllocGen.Examples.Ast;

/// <summary>The conventional tree: one garbage-collected object per node, evaluated by virtual dispatch.</summary>
public abstract class Expr
{
    /// <summary>The expression's value for the given variable values.</summary>
    public abstract double Evaluate(ReadOnlySpan<double> variables);
}

/// <summary>A numeric literal.</summary>
public sealed class NumberExpr(double value) : Expr
{
    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> variables) => value;
}

/// <summary>A variable.</summary>
public sealed class VariableExpr(int index) : Expr
{
    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> variables) => variables[index];
}

/// <summary>Unary minus.</summary>
public sealed class NegateExpr(Expr operand) : Expr
{
    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> variables) => -operand.Evaluate(variables);
}

/// <summary>A binary operation.</summary>
public sealed class BinaryExpr(BinaryOperator op, Expr left, Expr right) : Expr
{
    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> variables)
    {
        double l = left.Evaluate(variables);
        double r = right.Evaluate(variables);
        return op switch
        {
            BinaryOperator.Add => l + r,
            BinaryOperator.Subtract => l - r,
            BinaryOperator.Multiply => l * r,
            _ => l / r,
        };
    }
}

/// <summary>A call of a built-in function with one or two arguments.</summary>
public sealed class CallExpr(Function function, Expr first, Expr? second) : Expr
{
    /// <inheritdoc/>
    public override double Evaluate(ReadOnlySpan<double> variables)
    {
        double a = first.Evaluate(variables);
        return function switch
        {
            Function.Min => Math.Min(a, second!.Evaluate(variables)),
            Function.Max => Math.Max(a, second!.Evaluate(variables)),
            Function.Abs => Math.Abs(a),
            _ => Math.Sqrt(a),
        };
    }
}

/// <summary>Builds the GC tree; the roots go to a list.</summary>
public struct GcTreeBuilder() : ITreeBuilder<Expr>
{
    /// <summary>The program's expressions, in source order.</summary>
    public List<Expr> Roots { get; } = [];

    /// <summary>Nodes built.</summary>
    public int NodeCount { get; private set; }

    /// <inheritdoc/>
    public Expr Number(double value)
    {
        NodeCount++;
        return new NumberExpr(value);
    }

    /// <inheritdoc/>
    public Expr Variable(int index)
    {
        NodeCount++;
        return new VariableExpr(index);
    }

    /// <inheritdoc/>
    public Expr Negate(Expr operand)
    {
        NodeCount++;
        return new NegateExpr(operand);
    }

    /// <inheritdoc/>
    public Expr Binary(BinaryOperator op, Expr left, Expr right)
    {
        NodeCount++;
        return new BinaryExpr(op, left, right);
    }

    /// <inheritdoc/>
    public Expr Call(Function function, Expr argument)
    {
        NodeCount++;
        return new CallExpr(function, argument, null);
    }

    /// <inheritdoc/>
    public Expr Call(Function function, Expr first, Expr second)
    {
        NodeCount++;
        return new CallExpr(function, first, second);
    }

    /// <inheritdoc/>
    public readonly void Root(Expr expression) => Roots.Add(expression);
}
