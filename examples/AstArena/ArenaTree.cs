using System.Runtime.InteropServices;

namespace AllocGen.Examples.Ast;

/// <summary>
/// Holds the unmanaged trees, as CPython's PyArena holds its AST: nodes are bumped out of 8 KiB native blocks and
/// all released at once by <c>Reset</c> (which keeps the first block) or <c>Dispose</c>. The AllocGen generator
/// writes the members.
/// </summary>
[BumpArena]
public sealed partial class AstArena
{
}

/// <summary>Kinds of unmanaged nodes.</summary>
public enum NodeKind : byte
{
    Number,
    Variable,
    Negate,
    Add,
    Subtract,
    Multiply,
    Divide,
    Min,
    Max,
    Abs,
    Sqrt,
}

/// <summary>
/// An unmanaged node: 24 bytes, no object header, no GC tracking. A literal's value shares its storage with the
/// children, which literals do not have.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
public unsafe struct Node
{
    /// <summary>What the node is.</summary>
    [FieldOffset(0)]
    public NodeKind Kind;

    /// <summary>The variable's index, for <see cref="NodeKind.Variable"/>.</summary>
    [FieldOffset(4)]
    public int Variable;

    /// <summary>The literal's value, for <see cref="NodeKind.Number"/>.</summary>
    [FieldOffset(8)]
    public double Number;

    /// <summary>The operand, left operand or first argument.</summary>
    [FieldOffset(8)]
    public Node* Left;

    /// <summary>The right operand or second argument; null for one-operand nodes.</summary>
    [FieldOffset(16)]
    public Node* Right;

    /// <summary>Evaluates the tree rooted at <paramref name="node"/>.</summary>
    public static double Evaluate(Node* node, ReadOnlySpan<double> variables)
    {
        switch (node->Kind)
        {
            case NodeKind.Number: return node->Number;
            case NodeKind.Variable: return variables[node->Variable];
            case NodeKind.Negate: return -Evaluate(node->Left, variables);
            case NodeKind.Abs: return Math.Abs(Evaluate(node->Left, variables));
            case NodeKind.Sqrt: return Math.Sqrt(Evaluate(node->Left, variables));
        }

        double l = Evaluate(node->Left, variables);
        double r = Evaluate(node->Right, variables);
        return node->Kind switch
        {
            NodeKind.Add => l + r,
            NodeKind.Subtract => l - r,
            NodeKind.Multiply => l * r,
            NodeKind.Divide => l / r,
            NodeKind.Min => Math.Min(l, r),
            _ => Math.Max(l, r),
        };
    }
}

/// <summary>A link of the list of a program's expressions, in the arena too.</summary>
public unsafe struct RootCell
{
    /// <summary>The expression.</summary>
    public Node* Expression;

    /// <summary>The next expression, or null.</summary>
    public RootCell* Next;
}

/// <summary>A node pointer as a type argument (pointers cannot be one).</summary>
public readonly unsafe struct NodeRef(Node* pointer)
{
    /// <summary>The node.</summary>
    public Node* Pointer { get; } = pointer;
}

/// <summary>Builds unmanaged trees in an <see cref="AstArena"/>.</summary>
public unsafe struct ArenaTreeBuilder(AstArena arena) : ITreeBuilder<NodeRef>
{
    private RootCell* _last;

    /// <summary>The first of the program's expressions, or null.</summary>
    public RootCell* First { get; private set; }

    /// <summary>Nodes built.</summary>
    public int NodeCount { get; private set; }

    /// <inheritdoc/>
    public NodeRef Number(double value)
    {
        Node* n = New(NodeKind.Number);
        n->Number = value;
        return new NodeRef(n);
    }

    /// <inheritdoc/>
    public NodeRef Variable(int index)
    {
        Node* n = New(NodeKind.Variable);
        n->Variable = index;
        return new NodeRef(n);
    }

    /// <inheritdoc/>
    public NodeRef Negate(NodeRef operand) => New(NodeKind.Negate, operand.Pointer, null);

    /// <inheritdoc/>
    public NodeRef Binary(BinaryOperator op, NodeRef left, NodeRef right) =>
        New(NodeKind.Add + (byte)op, left.Pointer, right.Pointer);

    /// <inheritdoc/>
    public NodeRef Call(Function function, NodeRef argument) =>
        New(NodeKind.Min + (byte)function, argument.Pointer, null);

    /// <inheritdoc/>
    public NodeRef Call(Function function, NodeRef first, NodeRef second) =>
        New(NodeKind.Min + (byte)function, first.Pointer, second.Pointer);

    /// <inheritdoc/>
    public void Root(NodeRef expression)
    {
        RootCell* cell = arena.Allocate<RootCell>();
        cell->Expression = expression.Pointer;
        cell->Next = null;
        if (_last == null)
        {
            First = cell;
        }
        else
        {
            _last->Next = cell;
        }

        _last = cell;
    }

    private Node* New(NodeKind kind)
    {
        NodeCount++;
        Node* n = arena.Allocate<Node>();
        n->Kind = kind;
        n->Right = null;
        return n;
    }

    private NodeRef New(NodeKind kind, Node* left, Node* right)
    {
        Node* n = New(kind);
        n->Left = left;
        n->Right = right;
        return new NodeRef(n);
    }
}
